package dev.leakgate.run;

import dev.leakgate.process.MemcheckProcess;
import dev.leakgate.process.Tails;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.regex.Matcher;

/**
 * When a daemon is ready for the test: its first TCP port listens (or its first UDP port is bound),
 * read from {@code /proc} where it runs without connecting, or a line of its output matches the ready
 * pattern; following it when it detaches itself (forks, and its first process exits).
 */
final class Readiness {

    private final MemcheckProcess process;
    private final SessionOptions options;

    Readiness(MemcheckProcess process, SessionOptions options) {
        this.process = process;
        this.options = options;
    }

    /**
     * Waits until the daemon is ready; throws a {@link SessionException} that quotes its last output
     * when it ends first, the session ends, or it is not ready within the options' time.
     */
    void await(BooleanSupplier ended, Supplier<String> lastOutput) {
        long deadline = System.nanoTime() + options.readyTimeout().toNanos();
        while (true) {
            if (process.hasExited() && !ended.getAsBoolean() && detached.isEmpty()) {
                // a daemon that detaches itself (forks, and its first process exits): follow what it left running
                detached = process.livingRunProcesses();
            }
            if ((process.hasExited() && detached.isEmpty()) || ended.getAsBoolean()) {
                throw new SessionException("the program ended before it was ready (" + readiness() + ")"
                        + lastOutput.get());
            }
            if (isReady()) {
                break;
            }
            if (System.nanoTime() > deadline) {
                throw new SessionException("the program was not ready within " + options.readyTimeout().toSeconds()
                        + " s (" + readiness() + "); it is still running under valgrind, which is slow, above all"
                        + " under emulation: raise readySeconds, or check the port and the program's arguments"
                        + lastOutput.get());
            }
            Session.sleep(200);
        }
    }

    /**
     * The processes a daemon that detached itself left running, newest last; empty while it runs in
     * the foreground.
     */
    List<Long> detached() {
        return detached;
    }

    /**
     * The processes a daemon that detached itself left running (its first process exited), newest
     * last; empty while it runs in the foreground. They are its stop signal's target, and the probe,
     * which lived in the first process, is gone with it.
     */
    private volatile List<Long> detached = List.of();

    /** When the port was last read from /proc: at most once a second, one short command each time. */
    private long lastPortPoll;

    private boolean isReady() {
        // once a second at most: each poll is a command on the board, and some SSH servers (Debian 12's
        // dropbear) can drop the whole connection as one of many short channels closes
        boolean byPort = !options.ports().isEmpty() || !options.udpPorts().isEmpty();
        if (byPort && System.nanoTime() - lastPortPoll >= 1_000_000_000L) {
            lastPortPoll = System.nanoTime();
            boolean udp = options.ports().isEmpty(); // a TCP port first; a daemon that serves UDP only, its UDP port
            int port = udp ? options.udpPorts().get(0) : options.ports().get(0);
            if (process.serves(port, udp, detached.isEmpty() ? 0 : detached.get(detached.size() - 1))) {
                return true;
            }
        }
        if (options.readyLine() != null) {
            Matcher out = options.readyLine().matcher(Tails.lastLines(process.files().stdout(), 200, 64 * 1024));
            Matcher err = options.readyLine().matcher(Tails.lastLines(process.files().stderr(), 200, 64 * 1024));
            return out.find() || err.find();
        }
        return !byPort; // nothing to wait for
    }

    private String readiness() {
        List<String> ways = new ArrayList<>();
        if (!options.ports().isEmpty()) {
            ways.add("port " + options.ports().get(0) + " on " + process.where() + " to listen");
        } else if (!options.udpPorts().isEmpty()) {
            ways.add("UDP port " + options.udpPorts().get(0) + " on " + process.where() + " to be bound");
        }
        if (options.readyLine() != null) {
            ways.add("a line matching '" + options.readyLine().pattern() + "' in its output");
        }
        return "waited for " + String.join(" or ", ways);
    }
}
