package dev.leakgate.run;

import dev.leakgate.config.Settings;
import dev.leakgate.run.Session.Kind;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * What belongs to a session rather than to the command: the kind of program, its input (a plain
 * program), readiness and the planned stop (a daemon), the probe, UDP, the timeout and memory sampling.
 * Immutable: each {@code with...} returns a changed copy.
 */
public record SessionOptions(String name, Kind kind, byte[] stdin, List<Integer> ports, Pattern readyLine,
                             Duration readyTimeout, String stopSignal, String stopCommand, Duration stopGrace,
                             String probe, Duration timeout, Duration sampleInterval, List<Integer> udpPorts,
                             String udpRelay, LeakChecks leakChecks) {

    public SessionOptions {
        stdin = stdin == null ? new byte[0] : stdin.clone();
        ports = List.copyOf(ports);
        udpPorts = List.copyOf(udpPorts);
        for (int p : udpPorts) {
            if (p < 1 || p > 65535) {
                throw new IllegalArgumentException("UDP port " + p + " is not a port (1 to 65535)");
            }
        }
        if (stopSignal != null && !stopSignal.matches("[A-Z0-9]+")) {
            throw new IllegalArgumentException("stopSignal '" + stopSignal + "' is not a signal name: use TERM,"
                    + " INT, HUP, USR1 (without SIG)");
        }
        for (int p : ports) {
            if (p < 1 || p > 65535) {
                throw new IllegalArgumentException("port " + p + " is not a TCP port (1 to 65535)");
            }
        }
    }

    private static SessionOptions of(String name, Kind kind, byte[] stdin, List<Integer> ports, String stopSignal) {
        return new SessionOptions(name, kind, stdin, ports, null, Duration.ofSeconds(60), stopSignal, null,
                Duration.ofSeconds(60), null, Duration.ofMinutes(5), Duration.ofSeconds(1), List.of(), null, LeakChecks.AUTO);
    }

    /** A kit harness with a 5 minute timeout. */
    public static SessionOptions kit(String name) {
        return of(name, Kind.KIT, new byte[0], List.of(), "TERM");
    }

    /** A daemon: ready when the first port accepts (or the ready line shows), stopped with SIGTERM. */
    public static SessionOptions daemon(String name, int... ports) {
        List<Integer> p = new ArrayList<>();
        for (int port : ports) {
            p.add(port);
        }
        return of(name, Kind.DAEMON, new byte[0], p, "TERM");
    }

    /** A plain program with this input. */
    public static SessionOptions plain(String name, byte[] stdin) {
        return of(name, Kind.PLAIN, stdin, List.of(), null);
    }

    public SessionOptions withTimeout(Duration t) {
        return copy(c -> c.timeout = t);
    }

    /** Ready when a line of its output (stdout or stderr) matches, within {@code within}. */
    public SessionOptions withReadyLine(Pattern line, Duration within) {
        return copy(c -> {
            c.readyLine = line;
            c.readyTimeout = within;
        });
    }

    public SessionOptions withReadyTimeout(Duration within) {
        return copy(c -> c.readyTimeout = within);
    }

    /**
     * The planned stop: a signal (e.g. "INT"), or a shell command run on the board in the run's
     * folder ({@code $LEAKGATE_PID} holds the program's pid), with the time it has to end.
     */
    public SessionOptions withStop(String signal, String command, Duration grace) {
        return copy(c -> {
            c.stopSignal = signal;
            c.stopCommand = command;
            c.stopGrace = grace;
        });
    }

    /** The probe library on the board (leakgate_probe.so for its CPU), for leak checks on demand. */
    public SessionOptions withProbe(String boardPath) {
        return copy(c -> c.probe = boardPath);
    }

    /**
     * Leak checks on demand through valgrind's own gdbserver ({@code vgdb ... leak_check}) instead of a
     * probe in the program: the board must let vgdb ptrace the program (a system-emulated board, most
     * real boards as root); one that cannot is refused at start with the reason.
     */
    public SessionOptions withVgdb() {
        return withLeakChecks(LeakChecks.VGDB);
    }

    /** How the settings ({@code leakgate.leakChecks}) say leak checks on demand are taken; {@code auto} unless set. */
    public SessionOptions withLeakChecks(Settings settings) {
        return settings.get(Settings.LEAK_CHECKS).map(v -> withLeakChecks(LeakChecks.parse(v,
                settings.sourceOf(Settings.LEAK_CHECKS)))).orElse(this);
    }

    /** How leak checks on demand are taken ({@link LeakChecks#AUTO} unless set). */
    public SessionOptions withLeakChecks(LeakChecks way) {
        return copy(c -> c.leakChecks = way);
    }

    /** Whether vgdb was asked for ({@link LeakChecks#VGDB}); {@link LeakChecks#AUTO} is decided at the first check. */
    public boolean vgdb() {
        return leakChecks == LeakChecks.VGDB;
    }

    /**
     * How a program that is not a kit harness takes leak checks on demand ({@code leakgate.leakChecks}):
     * through the preloaded probe, through valgrind's gdbserver (vgdb, where the board allows ptrace), or
     * automatically: the probe when one is named, else vgdb where the board allows it.
     */
    public enum LeakChecks {
        PROBE, VGDB, AUTO;

        /** Reads "probe", "vgdb" or "auto"; {@code source} names where the value came from, for the error. */
        public static LeakChecks parse(String value, String source) {
            for (LeakChecks w : values()) {
                if (w.name().equalsIgnoreCase(value.strip())) {
                    return w;
                }
            }
            throw new IllegalArgumentException("leakgate.leakChecks = '" + value + "' (from " + source + ") is not a way to"
                    + " take leak checks: use 'probe' (the preloaded leakgate_probe.so), 'vgdb' (valgrind's gdbserver,"
                    + " where the board allows ptrace) or 'auto' (the probe when one is named, else vgdb where allowed)");
        }
    }

    /**
     * A daemon's UDP ports: reached through {@link Session#udpAddress}; when it has no TCP port to
     * wait for, it is ready once the first is bound. On a board, UDP travels through the kit's
     * {@code leakgate_udp_relay} at {@code relay} there (built for the board's CPU): a board
     * without it refuses the ports at start.
     */
    public SessionOptions withUdp(List<Integer> ports, String relay) {
        return copy(c -> {
            c.udpPorts = ports;
            c.udpRelay = relay;
        });
    }

    public SessionOptions withSampling(Duration interval) {
        return copy(c -> c.sampleInterval = interval);
    }

    private SessionOptions copy(Consumer<Copy> change) {
        Copy c = new Copy(this);
        change.accept(c);
        return new SessionOptions(c.name, c.kind, c.stdin, c.ports, c.readyLine, c.readyTimeout, c.stopSignal,
                c.stopCommand, c.stopGrace, c.probe, c.timeout, c.sampleInterval, c.udpPorts, c.udpRelay, c.leakChecks);
    }

    /** The components of one copy while a {@code with...} changes some of them. */
    private static final class Copy {
        final String name;
        final Kind kind;
        final byte[] stdin;
        final List<Integer> ports;
        Pattern readyLine;
        Duration readyTimeout;
        String stopSignal;
        String stopCommand;
        Duration stopGrace;
        String probe;
        Duration timeout;
        Duration sampleInterval;
        List<Integer> udpPorts;
        String udpRelay;
        LeakChecks leakChecks;

        Copy(SessionOptions o) {
            name = o.name;
            kind = o.kind;
            stdin = o.stdin;
            ports = o.ports;
            readyLine = o.readyLine;
            readyTimeout = o.readyTimeout;
            stopSignal = o.stopSignal;
            stopCommand = o.stopCommand;
            stopGrace = o.stopGrace;
            probe = o.probe;
            timeout = o.timeout;
            sampleInterval = o.sampleInterval;
            udpPorts = o.udpPorts;
            udpRelay = o.udpRelay;
            leakChecks = o.leakChecks;
        }
    }
}
