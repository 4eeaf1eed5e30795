package dev.leakgate.testing;

import dev.leakgate.run.CheckResult;
import dev.leakgate.run.Session;
import dev.leakgate.run.SessionReport;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.function.Consumer;

/**
 * Drives a daemon session of the test daemon ({@code daemon.c}) the way most live tests do: waits until it
 * is ready, takes the leak check "started", sends each request and then a "ping" (a request that allocates
 * nothing: the last leak's pointer may linger in a dead stack slot until the daemon's next call), takes the
 * named check, lets the test look at the running daemon, and stops it as planned.
 */
public final class DaemonDrive {

    /** What the drive gave: the first check, the named one, and the stopped session's report. */
    public record Driven(CheckResult started, CheckResult check, SessionReport report) {
    }

    private DaemonDrive() {
    }

    /** As {@link #drive(Session, int, String, Consumer, String...)}, with nothing to look at before the stop. */
    public static Driven drive(Session session, int port, String check, String... requests) throws IOException {
        return drive(session, port, check, s -> { }, requests);
    }

    /** Drives the daemon listening on {@code port}; {@code beforeStop} sees the session after the named check. */
    public static Driven drive(Session session, int port, String check, Consumer<Session> beforeStop, String... requests)
            throws IOException {
        session.awaitReady();
        InetSocketAddress address = session.address(port);
        CheckResult started = session.leakCheck("started");
        for (String request : requests) {
            LineClient.request(address, request);
        }
        LineClient.request(address, "ping");
        CheckResult checked = session.leakCheck(check);
        beforeStop.accept(session);
        return new Driven(started, checked, session.stop());
    }
}
