package dev.leakgate.run;

import dev.leakgate.process.MemcheckProcess;
import dev.leakgate.process.ShellQuoting;
import dev.leakgate.process.Termination;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * The planned end of a session's program: {@code quit} to a kit harness, the stop signal (through the
 * probe where it is loaded) or the stop command to a daemon, following one that detached itself, a
 * plain program waited for; the timeout's steps for what does not end in time, and what the planned
 * stop tried when the program outlived it.
 */
final class PlannedStop {

    private final MemcheckProcess process;
    private final SessionOptions options;
    private final ProbeClient probe;
    private final Readiness readiness;
    private final Supplier<Termination> steps;
    /** What the planned stop tried when the daemon outlived it (for the run's words), or null. */
    private String overran;

    PlannedStop(MemcheckProcess process, SessionOptions options, ProbeClient probe, Readiness readiness,
                Supplier<Termination> steps) {
        this.process = process;
        this.options = options;
        this.probe = probe;
        this.readiness = readiness;
        this.steps = steps;
    }

    /** What the planned stop tried when the program outlived it, or null. */
    String overran() {
        return overran;
    }

    /**
     * The planned stop of a daemon that detached itself: its stop signal to what it left running (or
     * its stop command), then a wait within stopSeconds for all of it to end.
     */
    private Termination stopDetached(long stoppedAt) {
        if (options.stopCommand() != null) {
            process.shell("cd " + ShellQuoting.quote(process.runFolder()) + " && LEAKGATE_PID="
                    + readiness.detached().get(readiness.detached().size() - 1) + "; export LEAKGATE_PID; " + options.stopCommand(),
                    Duration.ofSeconds(60));
        } else {
            StringBuilder pids = new StringBuilder();
            process.livingRunProcesses().forEach(p -> pids.append(' ').append(p));
            if (pids.length() > 0) {
                process.shell("kill -s " + options.stopSignal() + pids, Duration.ofSeconds(20));
            }
        }
        long deadline = System.nanoTime() + options.stopGrace().toNanos();
        while (System.nanoTime() < deadline) {
            if (process.livingRunProcesses().isEmpty()) {
                return Termination.STOPPED;
            }
            Session.sleep(500);
        }
        overran = "its planned stop (" + (options.stopCommand() != null ? "the stop command"
                : "SIG" + options.stopSignal()) + " at " + stoppedAt / 1000 + " s, to the processes it left running"
                + " when it detached) within stopSeconds = " + options.stopGrace().toSeconds() + " s";
        return Termination.KILLED; // what is left is ended with the run, each named
    }

    /** Stops the program as planned, within what is {@code left} of the session's time; how it ended. */
    Termination end(long stoppedAt, Duration left) {
        switch (options.kind()) {
            case KIT -> {
                process.send("quit\n".getBytes(StandardCharsets.US_ASCII));
                process.closeStdin();
                return process.awaitEnd(left) ? Termination.EXITED : steps.get();
            }
            case PLAIN -> {
                return process.awaitEnd(left) ? Termination.EXITED : steps.get();
            }
            default -> {
                if (process.hasExited() && !readiness.detached().isEmpty()) {
                    return stopDetached(stoppedAt);
                }
                if (process.hasExited()) {
                    process.awaitEnd(Duration.ofSeconds(10));
                    return Termination.EXITED; // it ended by itself: its report says how
                }
                if (options.stopCommand() != null) {
                    process.shell("cd " + ShellQuoting.quote(process.runFolder()) + " && read LEAKGATE_PID < .pid"
                            + " 2>/dev/null; export LEAKGATE_PID; " + options.stopCommand(), Duration.ofSeconds(60));
                } else if (options.probe() == null || !probe.signal(options.stopSignal())) {
                    process.signal(options.stopSignal());
                }
                Duration grace = options.stopGrace().compareTo(left) < 0 ? options.stopGrace() : left;
                if (process.awaitEnd(grace)) {
                    return Termination.STOPPED;
                }
                overran = "its planned stop (" + (options.stopCommand() != null ? "the stop command"
                        : "SIG" + options.stopSignal()) + " at " + stoppedAt / 1000 + " s) within "
                        + (grace.equals(options.stopGrace()) ? "stopSeconds = " + grace.toSeconds() + " s"
                        : "the " + grace.toSeconds() + " s the timeout left");
                return steps.get();
            }
        }
    }
}
