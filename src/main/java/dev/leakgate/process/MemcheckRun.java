package dev.leakgate.process;

import dev.leakgate.memcheck.LeakKind;
import dev.leakgate.memcheck.LeakRecord;
import dev.leakgate.memcheck.MemcheckReport;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * One finished run under memcheck: how it ended, its parsed report and where its raw files are.
 *
 * <p>{@link #problems()} applies the trust rules: a run is conclusive only when valgrind ended by
 * itself (leakgate did not have to end it), exited normally (not by a signal), wrote a complete
 * report that carries this run's identity, and said nothing in its log about failing.
 *
 * @param exitCode     valgrind's exit status, or -1 when it had none (killed, not started, not reported)
 * @param exitSignal   the signal that ended valgrind's process, as the board reported it ("KILL"), or null
 * @param timeout      the run's timeout, for messages
 * @param startError   why valgrind could not be started, or the board was lost; null when neither
 * @param stderrTail   the last lines written to stderr, bounded, shown when valgrind wrote no XML at all
 * @param logProblems  what valgrind's log says went wrong (see {@link ValgrindLog})
 * @param runProblems  what the runner found wrong with the run itself (files not the run's own, a full disk)
 * @param notes        what a person should know that does not make the run inconclusive (processes the run
 *                     left behind and leakgate ended)
 * @param stopSignal   the signal of a planned stop ({@link Termination#STOPPED}), e.g. "TERM"; null otherwise
 * @param children     the reports of the processes the program started, each in a file of its own
 *                     (judged on their own: {@link #childProblems})
 * @param endedAfter   what leakgate had tried before it had to end the run, when that was not the
 *                     timeout (a daemon's planned stop that it outlived: "its planned stop, SIGTERM at
 *                     12 s, within stopSeconds = 60 s"); null when the timeout ended it
 */
public record MemcheckRun(MemcheckCommand command, RunFiles files, Termination termination,
                          int exitCode, String exitSignal, Duration duration, Duration timeout,
                          MemcheckReport report, String startError, String stderrTail,
                          List<String> logProblems, List<String> runProblems, List<String> notes,
                          String stopSignal, List<ProcessReport> children, String endedAfter) {

    public MemcheckRun {
        logProblems = List.copyOf(logProblems);
        runProblems = List.copyOf(runProblems);
        notes = List.copyOf(notes);
        children = List.copyOf(children);
    }

    /** This run, told what leakgate had tried before it had to end it (see {@code endedAfter}). */
    public MemcheckRun withEndedAfter(String tried) {
        return new MemcheckRun(command, files, termination, exitCode, exitSignal, duration, timeout, report, startError,
                stderrTail, logProblems, runProblems, notes, stopSignal, children, tried);
    }

    /**
     * Why a child's report cannot be judged, each naming the child (see {@link ProcessReport}); a
     * child ended by the planned stop's signal is judged as the program is.
     */
    public List<String> childProblems(ProcessReport child) {
        return child.problems(command.runId(), termination == Termination.STOPPED ? stopSignal : null,
                skipsPrograms());
    }

    /**
     * Notes about the program's own process replacing itself (exec) with another program, which
     * valgrind followed (its report is that program's), and about children valgrind was told not to
     * follow ({@code --trace-children-skip}).
     */
    public List<String> childNotes() {
        List<String> notes = new ArrayList<>();
        List<String> argv = report.programArgs();
        String program = command.program();
        if (!argv.isEmpty() && !argv.get(0).equals(program) && !argv.get(0).equals("./" + program)) {
            notes.add("the program replaced itself (exec) with '" + String.join(" ", argv) + "', which valgrind"
                    + " followed: the report is that program's");
        }
        for (ProcessReport child : children) {
            String note = child.skipNote(skipsPrograms());
            if (note != null) {
                notes.add(note);
            }
            List<LeakRecord> lost = child.report().leakRecords().stream()
                    .filter(r -> r.kind() != LeakKind.STILL_REACHABLE).toList();
            // the frame that called the allocator: without file:line there, the stack cannot say where
            if (!lost.isEmpty() && lost.stream().allMatch(r -> r.stack().size() > 1
                    && !r.stack().get(1).hasSourceLocation())) {
                notes.add(child.describe() + " runs a program without debug info: the stacks of what it lost have no"
                        + " file:line; build it with -g and do not strip it to see where");
            }
        }
        return notes;
    }

    private boolean skipsPrograms() {
        return report.valgrindArgs().stream().anyMatch(a -> a.startsWith("--trace-children-skip"));
    }

    /** The exit status, if valgrind exited (rather than being killed or never starting). */
    public OptionalInt exitStatus() {
        return exitCode < 0 ? OptionalInt.empty() : OptionalInt.of(exitCode);
    }

    /**
     * Why the run cannot give a conclusive leak check: what the run knows (not started, ended by the
     * timeout, killed by a signal, files not its own), what valgrind's log says, and the report's own
     * problems. Empty when the run is conclusive.
     */
    public List<String> problems() {
        List<String> p = new ArrayList<>();
        if (startError != null) {
            p.add(startError);
        }
        if (termination.endedByLeakgate() && endedAfter != null) {
            p.add("the program did not end after " + endedAfter + ": leakgate then ended it in steps (it "
                    + termination.description().replaceFirst("^hit the timeout(, | and )", "")
                    + "), after " + duration.toSeconds() + " s in all"
                    + (termination == Termination.KILLED ? ", so valgrind could not write its leak check" : "")
                    + "; what it would have done after the cut is not in the report. A daemon must end on its stop"
                    + " signal (its handler returns from main, or exit() runs), and valgrind's leak check takes"
                    + " time under emulation: check that the daemon logs the signal and ends, raise stopSeconds,"
                    + " or stop it with the command it is meant to be stopped with (stopCommand)");
        } else if (termination.endedByLeakgate()) {
            p.add("the program did not end by itself: leakgate ended it at the timeout after "
                    + timeout.toSeconds() + " s (it " + termination.description() + ")"
                    + (termination == Termination.KILLED ? ", so valgrind could not write its leak check" : "")
                    + "; what it would have done after the cut is not in the report. Make the program return"
                    + " from main within the timeout (a harness: quit, or end of input), or raise the timeout");
        } else if (termination == Termination.EXITED || termination == Termination.STOPPED) {
            String signal = signalOfExit();
            if (signal != null && plannedSignal()) {
                // a planned stop by this signal: its default action ends valgrind's process too
            } else if (signal != null && report.fatalSignal().isEmpty()) {
                p.add("valgrind's process " + signal + ", so the program did not return from main (a program that"
                        + " kills itself, or something outside the run killed it); the report's leak check"
                        + " is not the program's end; make the program return from main");
            } else if (signal == null && exitCode < 0 && startError == null) {
                p.add("the board did not report valgrind's exit status, so leakgate cannot tell how the run"
                        + " ended; run it again, and check the board's SSH server");
            }
        }
        p.addAll(runProblems);
        p.addAll(logProblems);
        List<String> reportProblems = plannedSignal() && report.fatalSignal().isPresent()
                && report.fatalSignal().get().signame().equals("SIG" + stopSignal)
                ? report.problemsBesidesFatalSignal() : report.problems();
        if (!reportProblems.isEmpty()) {
            // a run problem (a full disk that cut the report) explains the cut; exec is only the guess without one
            boolean execLikely = termination == Termination.EXITED && exitCode >= 0 && exitCode < 128
                    && report.protocolVersion() > 0 && "RUNNING".equals(report.lastState()) && logProblems.isEmpty()
                    && runProblems.isEmpty();
            if (!execLikely) {
                p.addAll(reportProblems);
            } else {
                p.add("valgrind's report stops while the program was running, yet its process exited normally"
                        + " (status " + exitCode + "): the program most likely replaced itself (exec) with a program"
                        + " valgrind did not follow (one --trace-children-skip names, or a set-user-ID program); run"
                        + " the program itself, not a wrapper that execs it");
            }
            if (startError == null && stderrTail != null && !stderrTail.isBlank()
                    && report.protocolVersion() == 0) {
                p.add("valgrind wrote no report; its stderr ends with:\n" + stderrTail.indent(4).stripTrailing());
            }
        }
        return p;
    }

    /** Whether the run was stopped as planned by a signal, and valgrind's process ended by that signal or exited. */
    private boolean plannedSignal() {
        if (termination != Termination.STOPPED || stopSignal == null) {
            return false;
        }
        String signal = exitSignal != null ? exitSignal.replaceFirst("^SIG", "")
                : exitCode > 128 && exitCode <= 128 + 64 ? Signals.name(exitCode - 128).replaceFirst("^SIG", "") : null;
        return signal == null || signal.equals(stopSignal);
    }

    /** "was killed by SIGKILL" when valgrind's process ended by a signal, else null. */
    private String signalOfExit() {
        if (exitSignal != null && !exitSignal.isBlank()) {
            return "was killed by SIG" + exitSignal.replaceFirst("^SIG", "");
        }
        if (exitCode > 128 && exitCode <= 128 + 64) {
            return "ended with status " + exitCode + ", which is 128 + " + Signals.name(exitCode - 128)
                    + " (killed by that signal)";
        }
        return null;
    }

    public boolean isConclusive() {
        return problems().isEmpty();
    }
}
