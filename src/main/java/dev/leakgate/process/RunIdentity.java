package dev.leakgate.process;

import dev.leakgate.memcheck.MemcheckReport;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Who a run is and who owns it. Each run gets a random id, written into valgrind's XML
 * ({@code --xml-user-comment}) and into the environment of every process the run starts, so that
 * the report can be proved to be the run's own and whatever the run leaves behind can be found.
 * The owner (this JVM: host, pid and start time) is written beside it, so that a later leakgate can
 * tell the leftovers of a JVM that died (kill -9) from the work of one that is still running.
 */
public final class RunIdentity {

    /** The environment variable naming the JVM that owns a run's processes. */
    public static final String OWNER_VARIABLE = "LEAKGATE_OWNER";

    private static final SecureRandom RANDOM = new SecureRandom();

    private RunIdentity() {
    }

    /** A new random run id: 24 hex digits. */
    public static String newId() {
        byte[] b = new byte[12];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /** This JVM as an owner: {@code host/pid/startMillis}. */
    public static String owner() {
        return host() + "/" + ProcessHandle.current().pid() + "/" + ManagementFactory.getRuntimeMXBean().getStartTime();
    }

    /** This machine's name, or "localhost" when it has none. */
    public static String host() {
        try {
            return InetAddress.getLocalHost().getHostName().replaceAll("[^A-Za-z0-9._-]", "_");
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }

    /**
     * Whether an owner record names a JVM on this machine that is gone: its pid is not running, or
     * runs a process that started after the owner did (the pid was reused). Owners on other machines
     * are never called dead from here.
     */
    public static boolean isDeadLocalOwner(String owner) {
        String[] parts = owner.trim().split("/");
        if (parts.length != 3 || !parts[0].equals(host())) {
            return false;
        }
        try {
            long pid = Long.parseLong(parts[1]);
            long started = Long.parseLong(parts[2]);
            Optional<ProcessHandle> p = ProcessHandle.of(pid);
            if (p.isEmpty() || !p.get().isAlive()) {
                return true;
            }
            return p.get().info().startInstant().map(s -> s.toEpochMilli() > started + 1000).orElse(false);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /**
     * Why a report is not provably the run's own, or empty: it must carry the run's id, and the
     * pid of the process the run started. A report with nothing in it proves nothing either way
     * (its own problems say why).
     */
    public static List<String> problems(MemcheckReport report, String runId, long expectedPid) {
        if (report.protocolVersion() == 0 || runId == null) {
            return List.of();
        }
        String expected = MemcheckCommand.RUN_ID_COMMENT + runId;
        boolean idOk = expected.equals(report.userComment());
        boolean pidOk = expectedPid <= 0 || report.pid() == expectedPid;
        if (idOk && pidOk) {
            return List.of();
        }
        return List.of(report.source() + " is not provably this run's report: it carries "
                + (report.userComment() == null ? "no run id" : "the run id '" + report.userComment() + "'")
                + " and pid " + report.pid() + ", but this run is '" + expected + "'"
                + (expectedPid > 0 ? " with pid " + expectedPid : "")
                + "; another run wrote into the same folder, or the file was replaced. Never share a run folder"
                + " between runs (leakgate.board.dir, leakgate.runs.dir)");
    }
}
