package dev.leakgate.junit;

import dev.leakgate.process.MemoryTimeline;
import dev.leakgate.run.CheckResult;
import dev.leakgate.run.Session;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;

/**
 * The program of a {@link ValgrindOnBoard} test that serves: an unmodified daemon, started under
 * valgrind on the board before the test body and ready (its first port accepts, or its ready line
 * showed) when the body starts. The body reaches its ports with any client through
 * {@link #address}, takes leak checks by name between request batches ({@link #leakCheck}, through
 * the preload probe), and marks moments on the memory timeline; after the body the daemon is stopped
 * as planned and its run is gated.
 */
public final class Daemon {

    private final Session session;

    Daemon(Session session) {
        this.session = session;
    }

    /**
     * A local address that reaches this TCP port of the daemon on the board (forwarded through the
     * SSH connection; on the local board, the port itself).
     */
    public InetSocketAddress address(int port) {
        return session.address(port);
    }

    /**
     * A local UDP address that reaches this UDP port of the daemon on the board (one of
     * {@link ValgrindOnBoard#udpPorts()}, or another: through the UDP relay over the SSH connection;
     * on the local board, the port itself). Send datagrams to it from any socket; the daemon's answers
     * come back to that socket.
     */
    public InetSocketAddress udpAddress(int port) {
        return session.udpAddress(port);
    }

    /** {@code http://127.0.0.1:LOCALPORT} plus the path, for the daemon's HTTP port. */
    public URI http(int port, String path) {
        InetSocketAddress a = address(port);
        return URI.create("http://" + a.getHostString() + ":" + a.getPort() + (path.startsWith("/") ? path : "/" + path));
    }

    /**
     * Takes a leak check now, named in the report, and returns what was lost since the check before
     * it (or since the daemon started). Needs the probe ({@code probe} on {@link ValgrindOnBoard}).
     */
    public CheckResult leakCheck(String name) {
        return session.leakCheck(name);
    }

    /**
     * The daemon's memory as sampled so far, once a second where it runs: VmData and VmRSS from its
     * {@code /proc/PID/status} (valgrind's process, which holds the daemon's heap; under QEMU user mode
     * the emulator's), and the board's MemAvailable, in kB. The field report's second technique, from a
     * test: a daemon whose VmData climbs request after request keeps what it allocates.
     */
    public List<MemoryTimeline.Point> memory() {
        return session.memory();
    }

    /** Names this moment on the report's memory timeline (e.g. "100 GetStreamUri sent"). */
    public void mark(String label) {
        session.mark(label);
    }

    /** The run's folder on this machine: the daemon's stdout and stderr stream into it. */
    public Path folder() {
        return session.folder();
    }
}
