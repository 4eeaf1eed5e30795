package dev.leakgate.report;

import dev.leakgate.process.MemoryTimeline;
import dev.leakgate.process.RunFiles;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The memory chart of a run's page: VmRSS and VmData sampled while the program ran, with the moments
 * the test named and its leak checks as labelled lines, drawn as inline SVG (no script, no external
 * file), every label escaped.
 */
final class MemoryChart {

    private MemoryChart() {
    }

    /** The page's section on memory: the chart and what it shows, when the run sampled at least twice. */
    static void section(StringBuilder h, RunFiles files) {
        if (!Files.isRegularFile(files.memory())) {
            return;
        }
        List<MemoryTimeline.Point> points = MemoryTimeline.readCsv(files.memory()).points();
        if (points.size() < 2) {
            return;
        }
        List<Mark> marks = readMarks(files.folder().resolve("marks.csv"));
        h.append("<h2>Memory while it ran</h2>\n").append(svg(points, marks))
                .append("<p>VmRSS (red) and VmData (blue) of the process, from /proc/&lt;pid&gt;/status")
                .append(userModeQemu(files) ? "; under QEMU user mode they describe the emulator, so the trend matters"
                        + " more than the values." : ": valgrind and the program it runs, as the board's kernel counts them.")
                .append(marks.isEmpty() ? "" : " Grey lines: the moments the test named and its leak checks, each check"
                        + " with the bytes it found lost since the one before (red when more than none).")
                .append("</p>\n");
    }

    /**
     * Whether the run's board ({@code board.txt}) ran its programs under QEMU user mode, where the memory
     * figures are the emulator's: the emulated boards but the system one, which boots its own kernel.
     */
    static boolean userModeQemu(RunFiles files) {
        Path board = files.folder().resolve("board.txt");
        try {
            String line = Files.isRegularFile(board) ? Files.readAllLines(board).get(0) : "";
            return (line.startsWith("board: emulated ") || line.startsWith("board: the emulated "))
                    && !line.contains("-system board");
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** A moment the test named, from the run's marks.csv. */
    record Mark(long elapsedMillis, String label) {
    }

    /** The marks of a run folder's {@code marks.csv} ({@code elapsed_ms,label}, the label CSV-quoted); none when absent. */
    static List<Mark> readMarks(Path file) {
        List<Mark> marks = new ArrayList<>();
        if (!Files.isRegularFile(file)) {
            return marks;
        }
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
                int comma = line.indexOf(',');
                if (comma < 0) {
                    continue;
                }
                String label = line.substring(comma + 1);
                if (label.startsWith("\"") && label.endsWith("\"") && label.length() >= 2) {
                    label = label.substring(1, label.length() - 1).replace("\"\"", "\"");
                }
                try {
                    marks.add(new Mark(Long.parseLong(line.substring(0, comma)), label));
                } catch (NumberFormatException e) {
                    // not a mark
                }
            }
        } catch (IOException e) {
            // no marks to draw
        }
        return marks;
    }

    /** An inline SVG line plot of VmRSS and VmData in MB over seconds. */
    static String svg(List<MemoryTimeline.Point> points) {
        return svg(points, List.of());
    }

    /** About the width of a character of a 10 px sans-serif label, for keeping labels inside the chart. */
    private static final double CHAR_PX = 5.6;

    /**
     * The plot, with a labelled vertical line at each mark; a leak check's label carries what it
     * found lost, red when that is more than nothing.
     */
    static String svg(List<MemoryTimeline.Point> points, List<Mark> marks) {
        int w = 640;
        int ht = 220;
        int pad = 40;
        long maxT = Math.max(1, points.get(points.size() - 1).elapsedMillis());
        for (Mark m : marks) {
            maxT = Math.max(maxT, m.elapsedMillis());
        }
        long maxKb = 1;
        for (MemoryTimeline.Point p : points) {
            maxKb = Math.max(maxKb, Math.max(p.vmRssKb(), p.vmDataKb()));
        }
        StringBuilder s = new StringBuilder("<svg class=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" width=\"")
                .append(w).append("\" height=\"").append(ht).append("\" viewBox=\"0 0 ").append(w).append(' ').append(ht)
                .append("\" role=\"img\" aria-label=\"memory timeline\">\n<rect x=\"0\" y=\"0\" width=\"").append(w)
                .append("\" height=\"").append(ht).append("\" fill=\"#fff\" stroke=\"#ccc\"/>\n");
        for (boolean rss : new boolean[] {true, false}) {
            List<String> xy = new ArrayList<>();
            for (MemoryTimeline.Point p : points) {
                long kb = rss ? p.vmRssKb() : p.vmDataKb();
                if (kb < 0) {
                    continue;
                }
                double x = pad + (w - 2.0 * pad) * p.elapsedMillis() / maxT;
                double y = ht - pad - (ht - 2.0 * pad) * kb / maxKb;
                xy.add(String.format(Locale.ROOT, "%.1f,%.1f", x, y));
            }
            s.append("<polyline class=\"").append(rss ? "rss" : "data").append("\" fill=\"none\" stroke=\"")
                    .append(rss ? "#c62828" : "#1565c0").append("\" stroke-width=\"2\" points=\"")
                    .append(String.join(" ", xy)).append("\"/>\n");
        }
        for (int i = 0; i < marks.size(); i++) {
            Mark m = marks.get(i);
            double x = pad + (w - 2.0 * pad) * m.elapsedMillis() / maxT;
            s.append(String.format(Locale.ROOT, "<line class=\"mark\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\""
                    + " stroke=\"#888\" stroke-dasharray=\"3,3\"/>%n", x, pad, x, ht - pad));
            String label = m.label().length() > 48 ? m.label().substring(0, 47) + "…" : m.label();
            // inside the chart: a label that would run past the right edge ends at its line instead
            boolean fitsRight = x + 2 + label.length() * CHAR_PX < w - 2;
            boolean leaked = label.startsWith("check ") && label.contains(": lost ") && !label.endsWith(": lost 0 B");
            s.append(String.format(Locale.ROOT, "<text class=\"mark%s\" x=\"%.1f\" y=\"%d\" font-size=\"10\""
                            + " fill=\"%s\"%s>", leaked ? " leaked" : "", fitsRight ? x + 2 : x - 2,
                    pad + 10 + (i % 4) * 11, leaked ? "#c62828" : "#555", fitsRight ? "" : " text-anchor=\"end\""))
                    .append(HtmlReport.esc(label)).append("</text>\n");
        }
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"11\">%.1f MB</text>%n", 2, pad - 4,
                maxKb / 1024.0));
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"11\">%.1f s</text>%n", w - pad - 10,
                ht - 8, maxT / 1000.0));
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"11\">0 s</text>%n", pad, ht - 8));
        return s.append("</svg>\n").toString();
    }
}
