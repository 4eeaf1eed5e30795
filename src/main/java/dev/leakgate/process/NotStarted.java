package dev.leakgate.process;

import java.net.InetSocketAddress;
import java.time.Duration;

/** A run whose valgrind could not start: it has ended already. */
record NotStarted(MemcheckRun run) implements MemcheckProcess {
    @Override
    public RunFiles files() {
        return run.files();
    }

    @Override
    public MemcheckCommand command() {
        return run.command();
    }

    @Override
    public String runFolder() {
        return run.files().folder().toString();
    }

    @Override
    public String where() {
        return "this machine";
    }

    @Override
    public void send(byte[] input) {
        // nothing runs to read it
    }

    @Override
    public void closeStdin() {
    }

    @Override
    public boolean awaitEnd(Duration wait) {
        return true;
    }

    @Override
    public boolean hasExited() {
        return true;
    }

    @Override
    public void signal(String signalName) {
    }

    @Override
    public Termination endInSteps(Duration stdinGrace, Duration termGrace) {
        return Termination.NOT_STARTED;
    }

    @Override
    public MemcheckRun finish(Termination termination, String stopSignal) {
        return run;
    }

    @Override
    public ShellResult shell(String command, Duration timeout) {
        return LocalMemcheckRunner.shellHere(command, timeout);
    }

    @Override
    public boolean accepts(int port) {
        return false;
    }

    @Override
    public InetSocketAddress forward(int port) {
        return new InetSocketAddress("127.0.0.1", port);
    }

    @Override
    public InetSocketAddress forwardUdp(int port, String relay) {
        return new InetSocketAddress("127.0.0.1", port); // here: no relay needed
    }

    @Override
    public void close() {
    }
}
