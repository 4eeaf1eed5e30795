package dev.leakgate.process;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A program started under memcheck and running, on this machine or on a board: what a live
 * session needs to talk to it while it runs, end it, and collect its run. Made by
 * {@link LocalMemcheckRunner#start} and by the board runner's {@code start}.
 *
 * <p>{@link #send} and {@link #closeStdin} never block; the others are for one thread at a time.
 */
public interface MemcheckProcess extends AutoCloseable {

    /** The environment variable that names the run's folder where the program runs. */
    String RUN_DIR_VARIABLE = "LEAKGATE_RUN_DIR";

    /** What a short command printed and how it ended. */
    record ShellResult(int exitStatus, String stdout, String stderr) {
        public boolean ok() {
            return exitStatus == 0;
        }
    }

    /** Where the run's files are kept on this machine (stdout and stderr stream into them). */
    RunFiles files();

    /** The command as it runs (its files placed, its id set). */
    MemcheckCommand command();

    /** The run's folder where the program runs (a board path on a board); its {@code .pid} holds valgrind's pid. */
    String runFolder();

    /** Where the program runs, for messages. */
    String where();

    /** Queues input for the program (its stdin must have been kept open). */
    void send(byte[] input);

    /** Closes the program's input once what was sent is written. */
    void closeStdin();

    /** The memory sampled so far while it runs (see {@link MemorySampler}); empty when nothing is sampled. */
    default MemoryTimeline memorySoFar() {
        return new MemoryTimeline();
    }

    /** Waits up to {@code wait} for valgrind's process to end; true when it did. */
    boolean awaitEnd(Duration wait);

    /** Whether valgrind's process has ended. */
    boolean hasExited();

    /** Sends a signal ("TERM", "INT", "USR1", ...) to the program. */
    void signal(String signalName);

    /** Ends it in steps: stdin closed, a grace, SIGTERM, a grace, SIGKILL; returns the step that ended it. */
    Termination endInSteps(Duration stdinGrace, Duration termGrace);

    /**
     * After it ended: ends whatever it left running, fetches its files, and gives the run.
     * {@code termination} says how it ended; {@code stopSignal} names the signal of a planned stop
     * ("TERM"), or null.
     */
    MemcheckRun finish(Termination termination, String stopSignal);

    /** Runs a short shell command where the program runs (in {@code sh}), with a timeout. */
    ShellResult shell(String command, Duration timeout);

    /** Whether a TCP port where the program runs accepts connections now (by connecting to it). */
    boolean accepts(int port);

    /**
     * Whether the program serves this port now: a TCP socket listens on it ({@code udp} false), or a
     * UDP socket is bound to it ({@code udp} true), in the network of the process the run started
     * ({@code pid} 0) or of process {@code pid}, read from its {@code /proc/PID/net/tcp} and
     * {@code tcp6} (or {@code udp} and {@code udp6}) where it runs, with shell builtins only. No
     * connection is made and no datagram sent, so the program serves no request for it: a readiness
     * check must not count in the first batch of a daemon's requests.
     */
    default boolean serves(int port, boolean udp, long pid) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("a port is 1 to 65535, but was " + port);
        }
        String net = udp ? "udp" : "tcp";
        String state = udp ? "07" : "0A"; // the kernel's TCP_CLOSE for an unconnected bound UDP socket; TCP_LISTEN
        String script = (pid > 0 ? "p=" + pid + ";" : "p=; read p < " + ShellQuoting.quote(runFolder() + "/.pid")
                + " 2>/dev/null;") + " for t in /proc/$p/net/" + net + " /proc/$p/net/" + net + "6; do [ -r \"$t\" ]"
                + " || continue; while read -r a l r s x; do case \"$l:$s\" in *:" + String.format("%04X", port) + ":"
                + state + ") echo serving; exit 0;; esac; done < \"$t\"; done; echo none";
        return shell(script, Duration.ofSeconds(30)).stdout().contains("serving");
    }

    /**
     * The pids of the run's processes that are alive now, besides the one it started (found by the
     * run's id in their environment): what is left when the program detached itself.
     */
    default List<Long> livingRunProcesses() {
        String script = "for f in $(grep -lsF " + ShellQuoting.quote(MemcheckCommand.RUN_ID_VARIABLE + "="
                + command().runId()) + " /proc/[0-9]*/environ 2>/dev/null); do q=${f#/proc/}; q=${q%%/*};"
                + " kill -0 $q 2>/dev/null && echo \"alive=$q\"; done";
        List<Long> pids = new ArrayList<>();
        for (String l : shell(script, Duration.ofSeconds(30)).stdout().split("\n")) {
            if (l.startsWith("alive=")) {
                try {
                    pids.add(Long.parseLong(l.substring(6).strip()));
                } catch (NumberFormatException e) {
                    // not a pid
                }
            }
        }
        return pids;
    }

    /** A local address that reaches a TCP port where the program runs (forwarded over SSH on a board). */
    InetSocketAddress forward(int port);

    /**
     * A local UDP address that reaches a UDP port where the program runs: the port itself on this
     * machine; on a board, through {@code relay}, the kit's {@code leakgate_udp_relay} built for its
     * CPU at that path there (null when none was given: then a board refuses with the reason).
     * Answers come back to the sender. Ended with the run.
     */
    InetSocketAddress forwardUdp(int port, String relay);

    /** Ends it at once (SIGKILL) if it still runs and releases what it holds; {@link #finish} first to keep its run. */
    @Override
    void close();

    /** Whether a TCP port on this machine's loopback accepts a connection now. */
    static boolean acceptsHere(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
