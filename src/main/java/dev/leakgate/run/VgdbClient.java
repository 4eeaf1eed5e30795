package dev.leakgate.run;

import dev.leakgate.board.Board;
import dev.leakgate.process.MemcheckCommand;
import dev.leakgate.process.MemcheckProcess;
import dev.leakgate.process.ShellQuoting;
import dev.leakgate.run.Session.Kind;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Leak checks on demand through valgrind's own gdbserver: {@code vgdb --pid=PID leak_check full definite
 * increased} on the board, no probe in the program. vgdb reaches a program blocked in a system call (a
 * daemon waiting for a request) only through ptrace, which the board must allow: QEMU user mode never
 * does, and a kernel with {@code kernel.yama.ptrace_scope} 3 does not. Each check's whole output (with
 * the stacks of what it found) is kept in the run's {@code vgdb-checks.txt}; its LEAK SUMMARY gives the
 * same answer the probe gives.
 */
final class VgdbClient {

    /** The file in the run's folder that keeps every vgdb check's output. */
    static final String OUTPUT = "vgdb-checks.txt";

    private final MemcheckProcess process;
    private final MemcheckCommand command;
    private final SessionOptions options;
    private final String vgdb;
    private final Path output;
    private final Supplier<String> lastOutput;
    private String refusal; // asked once, when AUTO needs it
    private boolean asked;

    VgdbClient(MemcheckProcess process, MemcheckCommand command, SessionOptions options, Supplier<String> lastOutput) {
        this.process = process;
        this.command = command;
        this.options = options;
        this.vgdb = vgdbOf(command);
        this.output = process.files().folder().resolve(OUTPUT);
        this.lastOutput = lastOutput;
    }

    /**
     * Whether this session's leak checks go through vgdb: asked for ({@code VGDB}, allowed at start), or
     * {@code AUTO} without a probe on a board that allows it (asked of the board at the first check).
     */
    synchronized boolean chosen() {
        if (options.leakChecks() != SessionOptions.LeakChecks.AUTO || options.probe() != null) {
            return options.vgdb();
        }
        return whyNot() == null;
    }

    /** Why vgdb cannot take this session's leak checks on its board, or null when it can. */
    synchronized String whyNot() {
        if (!asked) {
            refusal = refusal(script -> process.shell(script, Duration.ofSeconds(30)).stdout(), command);
            asked = true;
        }
        return refusal;
    }

    /** vgdb beside the valgrind the command runs ("vgdb" when that one is found on the PATH). */
    static String vgdbOf(MemcheckCommand command) {
        String valgrind = command.valgrind();
        int slash = valgrind.lastIndexOf('/');
        return slash < 0 ? "vgdb" : valgrind.substring(0, slash + 1) + "vgdb";
    }

    /**
     * Why leak checks through vgdb cannot work on this board, or null when they can: no vgdb beside
     * valgrind, programs under QEMU user mode (the shell's parent is QEMU, which implements no ptrace),
     * ptrace switched off ({@code ptrace_scope} 3), or a scope that lets only root trace and the login
     * is not root. One short command on the board.
     */
    static String refusal(Function<String, String> shell, MemcheckCommand command) {
        String vgdb = vgdbOf(command);
        String script = "command -v " + ShellQuoting.quote(vgdb) + " >/dev/null 2>&1 && echo vgdb=yes || echo vgdb=no;"
                + " echo \"parent=$(readlink /proc/$PPID/exe 2>/dev/null)\";"
                + " echo \"scope=$(cat /proc/sys/kernel/yama/ptrace_scope 2>/dev/null)\"; echo \"uid=$(id -u)\"";
        String out = shell.apply(script);
        if (!out.contains("vgdb=yes")) {
            return "there is no vgdb beside valgrind on the board (" + vgdb + "): install valgrind whole, or take leak"
                    + " checks through the probe";
        }
        Matcher parent = Pattern.compile("parent=(\\S*)").matcher(out);
        if (parent.find() && parent.group(1).contains("qemu")) {
            return "the board runs its programs under QEMU user mode (" + parent.group(1) + "), which lets no process"
                    + " ptrace another, and vgdb needs ptrace to reach a program that waits in a system call: take"
                    + " leak checks through the probe, or use the system-emulated board (emulated-system)";
        }
        Matcher scope = Pattern.compile("scope=(\\d)").matcher(out);
        boolean root = out.contains("uid=0\n") || out.endsWith("uid=0");
        if (scope.find()) {
            int s = Integer.parseInt(scope.group(1));
            if (s == 3) {
                return "ptrace is switched off on the board (kernel.yama.ptrace_scope = 3), and vgdb needs it: take leak"
                        + " checks through the probe";
            }
            if (s >= 1 && !root) {
                return "the board lets only root (or a program's parent) ptrace (kernel.yama.ptrace_scope = " + s + "),"
                        + " and leakgate logs in as another user: log in as root, or take leak checks through the probe";
            }
        }
        return null;
    }

    /**
     * Refuses, with the reason, leak checks through vgdb asked for ({@code VGDB}) on a board where they
     * cannot work: a {@link SessionException} before anything starts. A kit harness answers its own.
     */
    static void requireAllowed(Board board, MemcheckCommand command, SessionOptions options) {
        if (options.kind() == Kind.KIT || !options.vgdb()) {
            return;
        }
        String why = refusal(script -> board.shell(script, Duration.ofSeconds(30)).stdout(), command);
        if (why != null) {
            throw new SessionException("leak checks through vgdb cannot be taken on " + board + ": " + why
                    + "; nothing was started");
        }
    }

    private static final Pattern SUMMARY = Pattern.compile(
            "(definitely lost|indirectly lost|possibly lost|still reachable|suppressed): ([0-9,]+) ");

    /** Takes a leak check through vgdb and returns it as the probe answers ("checked NAME lost=..."). */
    String check(String name) {
        // valgrind makes its FIFOs in the program's TMPDIR (/tmp unless set): vgdb must look there too
        String dir = command.environment().get("TMPDIR");
        String tmpdir = dir == null ? "" : "TMPDIR=" + ShellQuoting.quote(dir) + "; export TMPDIR; ";
        if (process.hasExited()) {
            throw new SessionException("the program has ended, so it cannot take the leak check '" + name + "'"
                    + lastOutput.get());
        }
        String script = "p=; read p < " + ShellQuoting.quote(process.runFolder() + "/.pid") + " 2>/dev/null;"
                + " [ -n \"$p\" ] || { echo 'no pid file'; exit 3; }; " + tmpdir + "exec " + ShellQuoting.quote(vgdb)
                + " --pid=\"$p\" leak_check full definite increased 2>&1";
        MemcheckProcess.ShellResult r;
        try {
            r = process.shell(script, Duration.ofSeconds(120));
        } catch (RuntimeException e) {
            throw new SessionException("vgdb did not answer the leak check '" + name + "' within 120 s ("
                    + e.getMessage() + ")" + lastOutput.get());
        }
        String out = r.stdout();
        keep(name, out);
        long[] totals = new long[5]; // definitely, indirectly, possibly, reachable, suppressed
        int found = 0;
        Matcher m = SUMMARY.matcher(out);
        while (m.find()) {
            int i = switch (m.group(1)) {
                case "definitely lost" -> 0;
                case "indirectly lost" -> 1;
                case "possibly lost" -> 2;
                case "still reachable" -> 3;
                default -> 4;
            };
            totals[i] = Long.parseLong(m.group(2).replace(",", ""));
            found |= 1 << i;
        }
        if (found != 0b11111 && !out.contains("All heap blocks were freed -- no leaks are possible")) {
            String last = out.strip();
            last = last.length() > 600 ? "..." + last.substring(last.length() - 600) : last;
            String why = out.contains("error attach") ? "; vgdb could not ptrace the program (the board forbids it):"
                    + " take leak checks through the probe" : "";
            throw new SessionException("vgdb gave no leak summary for the leak check '" + name + "' (it said: " + last
                    + ")" + why + (process.hasExited() ? "; the program has ended" + lastOutput.get() : ""));
        }
        return "checked " + name + " lost=" + (totals[0] + totals[1]) + " possibly=" + totals[2] + " reachable="
                + totals[3] + " suppressed=" + totals[4];
    }

    private static final Pattern RECORD = Pattern.compile("^(?:==\\d+== )?(.* are definitely lost) in loss record .*$");
    private static final Pattern FRAME = Pattern.compile("^(?:==\\d+== )?\\s+(at|by) (?:0x[0-9A-Fa-f]+: )?(.*)$");

    /**
     * The definitely lost records the named check found through vgdb (the last check of that name in the
     * run's {@code vgdb-checks.txt}), at most {@code limit}, each with its stack; "" when there are none.
     */
    static String stacks(Path folder, String name, int limit) {
        Path file = folder.resolve(OUTPUT);
        if (!Files.isRegularFile(file)) {
            return "";
        }
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
        String header = "== leak check '" + name + "' through vgdb\n";
        int at = text.lastIndexOf(header);
        if (at < 0) {
            return "";
        }
        int end = text.indexOf("\n== leak check '", at + header.length());
        StringBuilder s = new StringBuilder();
        int records = 0;
        boolean inRecord = false;
        for (String line : text.substring(at + header.length(), end < 0 ? text.length() : end).split("\n")) {
            Matcher r = RECORD.matcher(line);
            Matcher f = FRAME.matcher(line);
            if (r.matches()) {
                inRecord = ++records <= limit;
                if (inRecord) {
                    s.append("\n  ").append(r.group(1));
                }
            } else if (inRecord && f.matches()) {
                s.append("\n      ").append(f.group(1)).append(' ').append(f.group(2));
            } else {
                inRecord = false;
            }
        }
        if (records > limit) {
            s.append("\n  ... and ").append(records - limit).append(" more records");
        }
        return s.toString();
    }

    private void keep(String name, String out) {
        try {
            Files.writeString(output, "== leak check '" + name + "' through vgdb\n" + out + (out.endsWith("\n") ? "" : "\n"),
                    StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep vgdb's output in " + output, e);
        }
    }
}
