package dev.leakgate.process;

import java.time.Duration;

/**
 * What every program a run started has, wherever it runs: the command it runs, the run's files, when
 * it started and the run's timeout. The kinds of running program (on this machine, on a board over
 * SSH) extend it.
 */
public abstract class RunningProgram implements MemcheckProcess {

    protected final MemcheckCommand command;
    protected final RunFiles files;
    protected final long startNanos;
    protected final Duration timeout;

    protected RunningProgram(MemcheckCommand command, RunFiles files, long startNanos, Duration timeout) {
        this.command = command;
        this.files = files;
        this.startNanos = startNanos;
        this.timeout = timeout;
    }

    @Override
    public RunFiles files() {
        return files;
    }

    @Override
    public MemcheckCommand command() {
        return command;
    }

    /** The time since the program started. */
    protected Duration elapsed() {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }
}
