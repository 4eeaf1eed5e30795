package dev.leakgate.process;

import dev.leakgate.memcheck.MemcheckReport;
import dev.leakgate.memcheck.MemcheckXmlParser;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The report of one process that a run's program started (a forked worker, a helper it exec'd, the
 * daemon left after a double fork): valgrind follows every process of the run and writes each its
 * own XML file, named by its pid ({@link MemcheckCommand#xmlFileOf}). Each is judged on its own and
 * named by pid, command and parent.
 *
 * @param pid             the process's id, from its file's name
 * @param report          what valgrind wrote for it
 * @param endedByLeakgate whether it was still running when the run ended, so that leakgate ended it
 */
public record ProcessReport(long pid, MemcheckReport report, boolean endedByLeakgate) {

    /** The command the process ran, from its report ({@code <argv>}), or "?" when it has none. */
    public String command() {
        List<String> argv = report.programArgs();
        if (argv.isEmpty()) {
            return "?";
        }
        String line = String.join(" ", argv);
        return line.length() > 120 ? line.substring(0, 117) + "..." : line;
    }

    /** "pid 123 (./worker -n 2, started by pid 100)": how messages name the process. */
    public String describe() {
        return "pid " + pid + " (" + command() + (report.ppid() > 0 ? ", started by pid " + report.ppid() : "") + ")";
    }

    /** Whether the file holds only valgrind's preamble: the process never got to its own end under valgrind. */
    public boolean preambleOnly() {
        return report.protocolVersion() > 0 && report.lastState() == null;
    }

    /**
     * Why this process's report cannot be judged, in words that name it; empty when it can. A report
     * must be whole and carry the run's id and its own pid (its file's). Its parent is not required to
     * be in the run's tree: a process whose parent had ended before valgrind started it (a daemon that
     * double-forks, then execs) is reparented, to pid 1 or a subreaper. A process ended by the planned
     * stop's signal is judged as the program is.
     *
     * @param skipsPrograms whether the run names programs valgrind does not follow
     *                      ({@code --trace-children-skip}): then a process that wrote only its
     *                      preamble most likely became one of them, and is named in a note instead
     */
    List<String> problems(String runId, String plannedSignal, boolean skipsPrograms) {
        List<String> p = new ArrayList<>();
        String who = describe();
        String expected = runId == null ? null : MemcheckCommand.RUN_ID_COMMENT + runId;
        if (report.protocolVersion() > 0 && ((expected != null && !expected.equals(report.userComment()))
                || report.pid() != pid)) {
            p.add(report.source() + " is not provably the report of a process this run started: it carries "
                    + (report.userComment() == null ? "no run id" : "the run id '" + report.userComment() + "'")
                    + " and pid " + report.pid() + " in a file named for pid " + pid + "; another run wrote into the"
                    + " same folder, or the file was replaced. Never share a run folder between runs");
            return p;
        }
        if (endedByLeakgate) {
            p.add(who + " was still running when the program's run ended, so leakgate ended it (SIGKILL) and"
                    + " valgrind never wrote its leak check; make the program end its children, and wait for them,"
                    + " before it exits");
            return p;
        }
        if (preambleOnly()) {
            if (!skipsPrograms) {
                p.add(who + " wrote only valgrind's preamble: it replaced itself (exec) with a program valgrind"
                        + " could not follow (a static or set-user-ID program), or was killed with SIGKILL, so its"
                        + " leak check was never written; see " + report.source());
            }
            return p;
        }
        boolean planned = plannedSignal != null && report.fatalSignal().isPresent()
                && report.fatalSignal().get().signame().equals("SIG" + plannedSignal);
        for (String problem : planned ? report.problemsBesidesFatalSignal() : report.problems()) {
            p.add(who + ": " + problem);
        }
        return p;
    }

    /**
     * A note for a process that wrote only its preamble in a run that skips programs
     * ({@code --trace-children-skip}), or null.
     */
    String skipNote(boolean skipsPrograms) {
        return skipsPrograms && preambleOnly() && !endedByLeakgate
                ? describe() + " was not followed: it became a program --trace-children-skip names (or was killed before"
                + " its end), so its leaks are not checked"
                : null;
    }

    private static final Pattern PID = Pattern.compile("(\\d+)\\.xml");
    private static final Pattern NAMED_PID = Pattern.compile("pid (\\d+)\\b");

    /** The pids in lines such as "pid 123 (sleep)", as runners name the processes they ended. */
    public static Set<Long> pidsIn(List<String> named) {
        Set<Long> pids = new HashSet<>();
        for (String line : named) {
            Matcher m = NAMED_PID.matcher(line);
            while (m.find()) {
                pids.add(Long.parseLong(m.group(1)));
            }
        }
        return pids;
    }

    /**
     * The reports of the processes the program started: the files {@code <prefix><pid>.xml} in the
     * folder other than the program's own (its pid: {@code mainPid}), in pid order.
     *
     * @param ended the pids leakgate ended because they outlived the program
     */
    public static List<ProcessReport> read(Path folder, String prefix, long mainPid, Set<Long> ended,
                                           MemcheckXmlParser parser) {
        List<ProcessReport> children = new ArrayList<>();
        try (Stream<Path> files = Files.list(folder)) {
            for (Path f : files.sorted(Comparator.comparing(Path::toString)).toList()) {
                String name = f.getFileName().toString();
                if (!name.startsWith(prefix)) {
                    continue;
                }
                Matcher m = PID.matcher(name.substring(prefix.length()));
                if (!m.matches()) {
                    continue;
                }
                long pid = Long.parseLong(m.group(1));
                if (pid != mainPid) {
                    children.add(new ProcessReport(pid, parser.parse(f), ended.contains(pid)));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the reports in " + folder, e);
        }
        children.sort(Comparator.comparingLong(ProcessReport::pid));
        return children;
    }
}
