package dev.leakgate.report;

import dev.leakgate.gate.Outcome;
import dev.leakgate.gate.Verdict;
import dev.leakgate.memcheck.Frame;
import dev.leakgate.memcheck.LeakKind;
import dev.leakgate.memcheck.LeakRecord;
import dev.leakgate.memcheck.LeakTotals;
import dev.leakgate.process.RunFiles;
import dev.leakgate.process.Tails;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The HTML report a person opens instead of reading logs: a page per run ({@code report.html} in
 * its run folder) with the verdict, the totals, the leak records with their frames and the source
 * lines around each file:line when the source is on this machine, the memory timeline as an
 * inline SVG plot, the scenarios, and links to the raw files; and an index across runs. Everything
 * shown is escaped: function names, paths and messages are data, never markup. No script runs.
 */
public final class HtmlReport {

    /** Records shown per page; the raw XML has all of them. */
    public static final int MAX_RECORDS = 50;

    private HtmlReport() {
    }

    /**
     * One run in the index: its title, verdict, summary line and page, and the notes a person should
     * see there (known leaks accepted, growth per run).
     */
    public record Entry(String title, String outcome, String summary, Path page, List<String> notes) {
        public Entry {
            notes = List.copyOf(notes);
        }

        public Entry(String title, String outcome, String summary, Path page) {
            this(title, outcome, summary, page, List.of());
        }
    }

    /** Writes {@code report.html} into the run's folder and returns it. */
    public static Path writeRunPage(String title, Verdict verdict, RunFiles files, List<String> scenarioLines) {
        return writeRunPage(title, verdict.outcome(), verdict.message(), verdict, files, scenarioLines);
    }

    /**
     * Writes {@code report.html} for a run whose outcome and message go beyond its whole-run
     * verdict (a live session: the kit's replies, each scenario and leak check), and returns it.
     */
    public static Path writeRunPage(String title, Outcome outcome, String message, Verdict verdict, RunFiles files,
                                    List<String> scenarioLines) {
        return writeRunPage(title, outcome.name(), outcome, message, verdict, files, scenarioLines);
    }

    /**
     * As {@link #writeRunPage(String, Outcome, String, Verdict, RunFiles, List)}, with the test's own
     * outcome as its label ({@code ERROR}: the test body failed though the run passed its gate).
     */
    public static Path writeRunPage(String title, String label, Outcome outcome, String message, Verdict verdict,
                                    RunFiles files, List<String> scenarioLines) {
        StringBuilder h = new StringBuilder();
        head(h, title);
        h.append("<h1><span class=\"badge ").append(esc(label.toLowerCase(Locale.ROOT))).append("\">")
                .append(esc(label)).append("</span> ").append(esc(title)).append("</h1>\n");
        // an inconclusive run's reasons are the whole story: all of them, wrapped, never cut
        h.append("<pre class=\"verdict\">").append(esc(outcome == Outcome.INCONCLUSIVE ? message
                : firstLines(message, 12))).append("</pre>\n");
        if (outcome == Outcome.INCONCLUSIVE) {
            output(h, files);
        }

        if (!verdict.notes().isEmpty()) {
            h.append("<h2>Notes</h2>\n<ul class=\"notes\">\n");
            verdict.notes().forEach(n -> h.append("<li>").append(esc(n)).append("</li>\n"));
            h.append("</ul>\n");
        }
        verdict.report().finalLeakCheck().ifPresent(check -> totals(h, check.totals()));
        MemoryChart.section(h, files);
        scenarios(h, files);
        if (!scenarioLines.isEmpty()) {
            h.append("<h2>Scenarios and leak checks</h2>\n<ul class=\"scenarios\">\n");
            scenarioLines.forEach(l -> h.append("<li>").append(esc(l)).append("</li>\n"));
            h.append("</ul>\n");
        }
        records(h, verdict.report().leakRecords());
        board(h, files);
        links(h, files);
        h.append("</body>\n</html>\n");
        return write(files.folder().resolve("report.html"), h.toString());
    }

    /** Writes the index of runs into {@code dir/index.html} and returns it. */
    public static Path writeIndex(Path dir, List<Entry> entries) {
        return writeIndex(dir, entries, Map.of());
    }

    /**
     * Writes the index into {@code dir/index.html}: a summary of the verdicts, then a row per run
     * with its earlier outcomes ({@code history}: by title, oldest first), a change marked, and its
     * notes; returns the file.
     */
    public static Path writeIndex(Path dir, List<Entry> entries, Map<String, List<String>> history) {
        StringBuilder h = new StringBuilder();
        head(h, "leakgate report");
        Map<String, Long> counts = new TreeMap<>();
        entries.forEach(e -> counts.merge(e.outcome(), 1L, Long::sum));
        long notes = entries.stream().mapToLong(e -> e.notes().size()).sum();
        h.append("<h1>leakgate report</h1>\n<p class=\"summary\">").append(entries.size())
                .append(entries.size() == 1 ? " test: " : " tests: ");
        List<String> parts = new ArrayList<>();
        counts.forEach((o, n) -> parts.add(n + " " + o));
        h.append(esc(String.join(", ", parts)));
        if (notes > 0) {
            h.append("; ").append(notes).append(notes == 1 ? " note" : " notes").append(" (known leaks accepted, growth)");
        }
        h.append("</p>\n<table class=\"index\">\n<tr><th>verdict</th><th>test</th><th>earlier runs</th>"
                + "<th>summary</th></tr>\n");
        for (Entry e : entries) {
            // a test that errored before it ran (a configuration error) has no page of its own
            String link = e.page() == null ? null : dir.toAbsolutePath().relativize(e.page().toAbsolutePath()).toString();
            List<String> before = history.getOrDefault(e.title(), List.of());
            h.append("<tr><td><span class=\"badge ").append(e.outcome().toLowerCase(Locale.ROOT)).append("\">")
                    .append(esc(e.outcome())).append("</span>");
            if (!before.isEmpty() && !before.get(before.size() - 1).equals(e.outcome())) {
                h.append(" <span class=\"changed\">(was ").append(esc(before.get(before.size() - 1))).append(")</span>");
            }
            h.append("</td><td>");
            if (link != null) {
                h.append("<a href=\"").append(escAttr(link)).append("\">").append(esc(e.title())).append("</a>");
            } else {
                h.append(esc(e.title()));
            }
            h.append("</td><td class=\"history\">");
            for (String o : before) {
                h.append("<span class=\"badge ").append(esc(o.toLowerCase(Locale.ROOT))).append("\">").append(esc(o))
                        .append("</span>");
            }
            h.append("</td><td>").append(esc(e.summary()));
            for (String n : e.notes()) {
                h.append("<div class=\"note\">").append(esc(n)).append("</div>");
            }
            h.append("</td></tr>\n");
        }
        h.append("</table>\n</body>\n</html>\n");
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir, e);
        }
        return write(dir.resolve("index.html"), h.toString());
    }

    /**
     * Writes {@code report.html} for a native soak run: each scenario's growth verdict and its
     * series as a plot (the run's growth-NAME.csv files), and the raw files; returns it.
     */
    public static Path writeSoakPage(String title, Outcome outcome, List<String> messages, RunFiles files,
                                     double warmupFraction) {
        StringBuilder h = new StringBuilder();
        head(h, title);
        h.append("<h1><span class=\"badge ").append(outcome.name().toLowerCase(Locale.ROOT)).append("\">")
                .append(outcome.name()).append("</span> ").append(esc(title)).append(" (growth, natively)</h1>\n");
        for (String m : messages) {
            h.append("<pre class=\"verdict\">").append(esc(firstLines(m, 3))).append("</pre>\n");
        }
        try (var csvs = Files.list(files.folder())) {
            for (Path csv : csvs.filter(p -> p.getFileName().toString().startsWith("growth-")).sorted().toList()) {
                List<long[]> samples = new ArrayList<>();
                List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
                for (String l : lines.subList(Math.min(1, lines.size()), lines.size())) {
                    String[] f = l.split(",");
                    if (f.length >= 3) {
                        samples.add(new long[] {parse(f[0]), parse(f[1]), parse(f[2])});
                    }
                }
                String name = csv.getFileName().toString().replaceFirst("^growth-", "").replaceFirst("\\.csv$", "");
                long maxRun = samples.stream().mapToLong(x -> x[0]).max().orElse(0);
                h.append("<h2>").append(esc(name)).append("</h2>\n");
                if (!samples.isEmpty()) {
                    h.append(Plots.growth(samples, (long) (maxRun * warmupFraction)));
                }
                h.append("<p>Heap in use (red) and resident set (blue) after each sample; grey: the warm-up, not"
                        + " fitted.</p>\n");
            }
        } catch (IOException e) {
            // the messages say what was measured
        }
        links(h, files);
        h.append("</body>\n</html>\n");
        return write(files.folder().resolve("report.html"), h.toString());
    }

    private static void head(StringBuilder h, String title) {
        h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n")
                .append("<title>").append(esc(title)).append("</title>\n<style>\n")
                .append("body{font:14px/1.4 sans-serif;margin:24px;color:#222}h1{font-size:20px}h2{font-size:16px;margin-top:24px}")
                .append(".badge{padding:2px 8px;border-radius:4px;color:#fff;font-weight:bold}")
                .append(".pass{background:#2e7d32}.fail{background:#c62828}.inconclusive{background:#ef6c00}.error{background:#6a1b9a}")
                .append("pre{background:#f5f5f5;padding:8px;overflow-x:auto}pre.verdict,pre.tail{white-space:pre-wrap}")
                .append("table{border-collapse:collapse}.kit{color:#777}.history .badge{font-size:11px;margin-right:2px}")
                .append("td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}.frames{font-family:monospace;margin:4px 0 4px 16px}")
                .append(".src{font-family:monospace;background:#fafafa;margin:2px 0 6px 32px;padding:4px;border-left:3px solid #c62828}")
                .append(".hit{background:#ffcdd2;font-weight:bold}.record{margin-bottom:14px}")
                .append("\n</style>\n</head>\n<body>\n");
    }

    private static void totals(StringBuilder h, LeakTotals totals) {
        h.append("<h2>Leak summary</h2>\n<table class=\"totals\">\n<tr><th>kind</th><th>bytes</th><th>blocks</th></tr>\n");
        for (LeakKind k : LeakKind.values()) {
            h.append("<tr><td>").append(esc(k.label())).append("</td>");
            totals.of(k).ifPresentOrElse(
                    a -> h.append("<td>").append(String.format(Locale.ROOT, "%,d", a.bytes())).append("</td><td>")
                            .append(String.format(Locale.ROOT, "%,d", a.blocks())).append("</td>"),
                    () -> h.append("<td colspan=\"2\">not reported</td>"));
            h.append("</tr>\n");
        }
        h.append("</table>\n");
    }

    private static void records(StringBuilder h, List<LeakRecord> records) {
        List<LeakRecord> lost = records.stream().filter(r -> r.kind() != LeakKind.STILL_REACHABLE).toList();
        if (lost.isEmpty()) {
            return;
        }
        h.append("<h2>Lost blocks, largest first</h2>\n");
        for (LeakRecord r : lost.subList(0, Math.min(MAX_RECORDS, lost.size()))) {
            h.append("<div class=\"record\"><div>").append(esc(r.text())).append("</div>\n<div class=\"frames\">\n");
            List<Frame> stack = r.stack();
            for (int i = 0; i < stack.size(); i++) {
                int kit = i;
                while (kit < stack.size() && isKitFrame(stack.get(kit))) {
                    kit++;
                }
                if (kit > i) { // the harness kit's own frames, folded: they are the same in every stack
                    h.append("<details class=\"kit\"><summary>").append(kit - i).append(kit - i == 1 ? " frame" : " frames")
                            .append(" of the leakgate harness kit</summary>\n");
                    for (Frame f : stack.subList(i, kit)) {
                        h.append("<div>at ").append(esc(f.describe())).append("</div>\n");
                    }
                    h.append("</details>\n");
                    i = kit - 1;
                    continue;
                }
                h.append("<div>at ").append(esc(stack.get(i).describe())).append("</div>\n");
                source(h, stack.get(i));
            }
            h.append("</div>");
            if (r.suppression() != null) {
                h.append("<details class=\"suppression\"><summary>valgrind suppression for this leak (for a .supp"
                        + " file)</summary><pre>").append(esc(r.suppression())).append("</pre></details>");
            }
            h.append("</div>\n");
        }
        if (lost.size() > MAX_RECORDS) {
            h.append("<p>... and ").append(lost.size() - MAX_RECORDS).append(" more in the raw XML</p>\n");
        }
    }

    /** Whether a frame is the harness kit's own code ({@code leakgate_harness.h}). */
    static boolean isKitFrame(Frame f) {
        return (f.file() != null && f.file().endsWith("leakgate_harness.h"))
                || (f.fn() != null && (f.fn().startsWith("leakgate_run_scenario") || f.fn().startsWith("leakgate_main")));
    }

    /** The last lines of the program's output and of valgrind's log, for a run that went wrong. */
    private static void output(StringBuilder h, RunFiles files) {
        h.append("<h2>What the run wrote last</h2>\n");
        tail(h, "the program's stdout", files.stdout());
        tail(h, "the program's stderr", files.stderr());
        tail(h, "valgrind's log", files.log());
    }

    private static void tail(StringBuilder h, String what, Path file) {
        String text = Tails.lastLines(file, 20, 32 * 1024).replaceAll("@[0-9a-f]{16} ", "");
        h.append("<h3>").append(esc(what)).append(" (").append(esc(file.getFileName().toString())).append(")</h3>\n");
        h.append(text.isBlank() ? "<p>(empty)</p>\n"
                : "<pre class=\"tail\">" + esc(text) + "</pre>\n");
    }

    /** Each scenario's lost bytes and the heap in use after it, from the run's scenarios.csv, as a plot. */
    private static void scenarios(StringBuilder h, RunFiles files) {
        Path csv = files.folder().resolve("scenarios.csv");
        if (!Files.isRegularFile(csv)) {
            return;
        }
        List<String[]> rows = new ArrayList<>();
        try {
            List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
            for (String l : lines.subList(Math.min(1, lines.size()), lines.size())) {
                String[] f = l.split(",");
                if (f.length >= 6) {
                    rows.add(f);
                }
            }
        } catch (IOException e) {
            return;
        }
        if (rows.isEmpty()) {
            return;
        }
        h.append("<h2>Each scenario</h2>\n").append(Plots.bars(rows.stream().map(r -> r[0] + " x" + r[1]).toList(),
                        rows.stream().map(r -> parse(r[2])).toList(), rows.stream().map(r -> parse(r[5])).toList(),
                        "lost while it ran (bytes)", "heap in use after it (bytes)"))
                .append("<p>Bars: bytes each scenario lost while it ran (definitely and indirectly); line: the heap in"
                        + " use after it (scenarios.csv).</p>\n");
    }

    private static long parse(String n) {
        try {
            return Long.parseLong(n.strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The source lines around a frame's line, when the file is on this machine. */
    private static void source(StringBuilder h, Frame f) {
        if (!f.hasSourceLocation()) {
            return;
        }
        Path file = f.dir() != null ? Path.of(f.dir()).resolve(f.file()) : Path.of(f.file());
        if (!Files.isRegularFile(file)) {
            return;
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            return; // unreadable or not text: the frame line says where to look
        }
        int from = Math.max(1, f.line() - 3);
        int to = Math.min(lines.size(), f.line() + 3);
        if (from > lines.size()) {
            return;
        }
        h.append("<div class=\"src\">");
        for (int n = from; n <= to; n++) {
            h.append(n == f.line() ? "<div class=\"hit\">" : "<div>")
                    .append(String.format("%5d  ", n).replace(" ", "&nbsp;"))
                    .append(esc(lines.get(n - 1)).replace(" ", "&nbsp;")).append("</div>");
        }
        h.append("</div>\n");
    }

    /** The machine the run ran on, from the run's {@code board.txt} (see {@code BoardInfo}), when it has one. */
    private static void board(StringBuilder h, RunFiles files) {
        Path board = files.folder().resolve("board.txt");
        if (Files.isRegularFile(board)) {
            h.append("<h2>Board</h2>\n<pre class=\"board\">").append(esc(Tails.lastLines(board, 20, 8 * 1024)))
                    .append("</pre>\n");
        }
    }

    private static void links(StringBuilder h, RunFiles files) {
        h.append("<h2>Raw files</h2>\n<ul class=\"raw\">\n");
        List<Path> all = new ArrayList<>(List.of(files.xml(), files.log(), files.stdout(), files.stderr(), files.command()));
        try (var more = Files.list(files.folder())) {
            more.filter(p -> p.getFileName().toString().endsWith(".csv") || (p.getFileName().toString().endsWith(".txt")
                    && !all.contains(p))).sorted().forEach(all::add);
        } catch (IOException e) {
            // the standard files are listed anyway
        }
        for (Path p : all) {
            if (Files.exists(p)) {
                String name = p.getFileName().toString();
                h.append("<li><a href=\"").append(escAttr(name)).append("\">").append(esc(name)).append("</a></li>\n");
            }
        }
        h.append("</ul>\n");
    }

    private static String firstLines(String text, int n) {
        String[] lines = text.split("\n", -1);
        return lines.length <= n ? text : String.join("\n", Arrays.copyOf(lines, n)) + "\n...";
    }

    /** Text for an HTML element: {@code & < > " '} escaped. */
    public static String esc(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    /** A relative link: escaped, and never a scheme such as {@code javascript:}. */
    private static String escAttr(String link) {
        String safe = link.contains(":") ? "./" + link : link;
        return esc(safe.replace("%", "%25").replace("#", "%23").replace("?", "%3F").replace(" ", "%20"));
    }

    private static Path write(Path file, String html) {
        try {
            return Files.writeString(file, html, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
