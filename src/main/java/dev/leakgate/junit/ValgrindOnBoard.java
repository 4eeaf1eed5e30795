package dev.leakgate.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs each test's program under valgrind memcheck on a board while the test body talks to it, and
 * fails the test unless its leaks are within limits (by default: no definitely lost bytes), with
 * the leak stacks as {@code at fn (file:line)} in the failure.
 *
 * <pre>{@code
 * @ValgrindOnBoard(harness = "build/aarch64/onvif_test", libs = "build/aarch64/libonvif_server.so")
 * class OnvifLeakTest {
 *     @Test
 *     void startStreamDoesNotLeak(Harness onvif) {
 *         assertThat(onvif.run("onvifStartStream", 100)).hasLostNothing();
 *     }
 * }
 * }</pre>
 *
 * <p>Per test run, one board is opened ({@code leakgate.board}: the emulated aarch64 board by
 * default, a real board over SSH, or this machine; see the README's configuration table). Per test
 * class, the program, the libraries and the probe are deployed (unchanged files are not copied
 * again), after preflight checks. Per test, the program runs once under valgrind, live:
 * <ul>
 *   <li>a test that takes a {@link Harness} (a program built with {@code leakgate_harness.h}) starts
 *       it at its first request; each {@link Harness#run} answers at once with that scenario's bytes;
 *       after the body the harness is sent {@code quit};</li>
 *   <li>a test that takes a {@link Daemon} (an unmodified server) starts it before the body and waits
 *       until it is ready ({@link #ports()} or {@link #readyLine()}); the body reaches its ports
 *       through {@link Daemon#address} (forwarded over SSH) with any client, and takes leak checks by
 *       name ({@link #probe()}); after the body it is stopped as planned ({@link #stopSignal()} or
 *       {@link #stopCommand()});</li>
 *   <li>with {@link #plain()} the program, without the kit, runs after the body with {@link #args()}
 *       and {@link #stdin()}.</li>
 * </ul>
 * Then the report is collected and parsed, and the test fails if the gate does; when the body
 * fails, the program is still stopped and its report kept, and the body's failure is the one shown.
 *
 * <p>Attributes belong to the test; what belongs to the environment (which board, credentials,
 * valgrind's location) is set by properties. On a method, the annotation replaces the class's.
 * Paths are relative to the working directory of the test run (the module's folder under Maven).
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(ValgrindOnBoardExtension.class)
public @interface ValgrindOnBoard {

    /** Not gated: a sentinel for the byte limits. */
    long NOT_GATED = -1;

    /** The harness, daemon or plain program, built for the board's CPU, unstripped. Required. */
    String harness();

    /** Libraries the harness loads, unstripped, deployed beside it and found through {@code LD_LIBRARY_PATH}. */
    String[] libs() default {};

    /** valgrind suppression files, deployed with the harness. */
    String[] suppressions() default {};

    /**
     * Arguments for the harness. {@code ${board.dir}} is the folder the program and its libraries
     * were deployed to on the board, {@code ${board.files}} the folder of its data files
     * ({@link #files()}), e.g. {@code args = {"-c", "${board.files}/mosquitto.conf"}}.
     */
    String[] args() default {};

    /**
     * A local folder of data files that travel with the program (config, certificates, profiles):
     * each lands at its path relative to the folder under {@code ${board.files}} on the board (on
     * this machine, {@code ${board.files}} is the folder itself). None by default.
     */
    String files() default "";

    /**
     * Environment variables for the program, each {@code "NAME=VALUE"}; the value may name
     * {@code ${board.dir}} and {@code ${board.files}}. {@code LD_LIBRARY_PATH} is leakgate's (the
     * deployed libraries). None by default.
     */
    String[] env() default {};

    /**
     * The folder the program runs in, on the board; may name {@code ${board.dir}} or
     * {@code ${board.files}}. By default the run's own folder on the board (which leakgate removes
     * after the run), so relative paths the program writes never touch the deployed files.
     */
    String workDir() default "";

    /**
     * The board when no setting names one: {@code "emulated"}, {@code "ssh://user@host[:port]"} or
     * {@code "local"}. Settings ({@code leakgate.board}) take precedence, so CI and the lab can run
     * the same test on different boards.
     */
    String board() default "emulated";

    /** Definitely lost bytes allowed; default 0. */
    long maxDefinitelyLost() default 0;

    /** Indirectly lost bytes allowed; not gated by default. */
    long maxIndirectlyLost() default NOT_GATED;

    /** Possibly lost bytes allowed; not gated by default. */
    long maxPossiblyLost() default NOT_GATED;

    /** Still reachable bytes allowed; not gated by default (memory a program keeps until exit). */
    long maxStillReachable() default NOT_GATED;

    /** Memcheck error kinds that fail the test, as valgrind names them (e.g. "InvalidRead"). */
    String[] failOnErrors() default {};

    /**
     * The whole run's timeout in seconds, from the program's start (a daemon's includes the test
     * body), after which it is ended in steps (stdin closed, SIGTERM, SIGKILL) and the test is
     * inconclusive.
     */
    int timeoutSeconds() default 300;

    /**
     * A daemon's TCP ports on the board: the first must accept connections before the body starts
     * (the readiness check; asked through the SSH connection, no tool on the board needed); each can
     * be reached from the body through {@link Daemon#address(int)}.
     */
    int[] ports() default {};

    /**
     * A daemon's UDP ports on the board (ONVIF discovery, RTP, DNS, CoAP, SNMP): each reached from the
     * body through {@link Daemon#udpAddress(int)}. A daemon without {@link #ports()} is ready once the
     * first is bound (read from the board, no datagram sent). SSH forwards TCP only: on a board they
     * need {@link #udpRelay()}, and are refused at start without it.
     */
    int[] udpPorts() default {};

    /**
     * The UDP relay: {@code leakgate_udp_relay.c} (in the leakgate jar under {@code leakgate/}) built
     * for the board's CPU. Deployed with the program, started on the board for each of
     * {@link #udpPorts()}, it carries the body's datagrams over the SSH connection. Not needed on the
     * local board. None by default.
     */
    String udpRelay() default "";

    /** A daemon is ready when a line of its output (stdout or stderr) matches this regular expression. */
    String readyLine() default "";

    /** Seconds a daemon has to become ready (under valgrind, and under emulation, starting is slow). */
    int readySeconds() default 60;

    /** The signal that stops a daemon after the body, without "SIG": TERM, INT, HUP, USR1... */
    String stopSignal() default "TERM";

    /**
     * A shell command that stops a daemon after the body instead of a signal, run on the board in
     * the run's folder with {@code $LEAKGATE_PID} set to the daemon's pid (e.g. {@code "kill -USR2
     * $LEAKGATE_PID"} or {@code "${board.dir}/ctl stop"}).
     */
    String stopCommand() default "";

    /** Seconds a daemon has to end after its planned stop (valgrind's leak check runs then). */
    int stopSeconds() default 60;

    /**
     * The leak check probe: {@code leakgate_probe.c} (in the leakgate jar under {@code leakgate/})
     * built as a shared library for the board's CPU. Deployed, preloaded into the daemon
     * ({@code LD_PRELOAD}) and asked for {@link Daemon#leakCheck} by name. None by default.
     */
    String probe() default "";

    /**
     * The known-leak baseline: a file in the repository listing accepted leaks by stack fingerprint
     * with a byte budget each (see {@code KnownLeaks}); leaks within budget do not fail the test but
     * are shown, leaks over budget or new ones fail, entries that match nothing are reported stale.
     * Write or rewrite it from a run with {@code -Dleakgate.baseline.update=true}. None by default.
     */
    String baseline() default "";

    /**
     * How long one valgrind process of a kit harness lives: {@link Lifecycle#PER_TEST} (the default)
     * starts it for each test; {@link Lifecycle#PER_CLASS} starts it at the class's first request and
     * lets every test of the class use it, which saves valgrind's start (most of a short test's time
     * under emulation). Each test is then gated on what its own scenarios lost while they ran (the
     * kit's leak check after each run, with its stacks), and the process's final leak check is gated
     * with the class: what no scenario showed fails the class. A test whose harness crashed or timed
     * out fails, and the next test starts a new process. State the program keeps carries over from test
     * to test. Only for kit harnesses gated on "nothing lost" (no baseline, {@link #maxDefinitelyLost()}
     * 0); {@link #timeoutSeconds()} is then the shared process's whole life.
     */
    Lifecycle lifecycle() default Lifecycle.PER_TEST;

    /** See {@link #lifecycle()}. */
    enum Lifecycle {
        /** One valgrind process per test. */
        PER_TEST,
        /** One valgrind process for the test class's tests. */
        PER_CLASS
    }

    /** A program without the harness kit: run once with {@link #args()} and {@link #stdin()}. */
    boolean plain() default false;

    /** Input for a plain program; its stdin is closed after it. */
    String stdin() default "";
}
