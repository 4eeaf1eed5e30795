package dev.leakgate.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs each test's harness under valgrind memcheck on a board and fails the test unless its leaks
 * are within limits (by default: no definitely lost bytes), with the leak stacks as
 * {@code at fn (file:line)} in the failure.
 *
 * <pre>{@code
 * @ValgrindOnBoard(harness = "build/aarch64/onvif_test", libs = "build/aarch64/libonvif_server.so")
 * class OnvifLeakTest {
 *     @Test
 *     void startStreamDoesNotLeak(Harness onvif) {
 *         onvif.run("onvifStartStream", 100);
 *     }
 * }
 * }</pre>
 *
 * <p>Per test run, one board is opened ({@code leakgate.board}: the emulated aarch64 board by
 * default, a real board over SSH, or this machine; see the README's configuration table). Per test
 * class, the harness and the libraries are deployed (unchanged files are not copied again), after
 * preflight checks. Per test, the scenarios the test body asks for through {@link Harness} are
 * played, when the body has returned, in one valgrind run of the harness over the kit's line
 * protocol ({@code leakgate_harness.h}); the harness then returns from {@code main}, the report is
 * collected and parsed, and the test fails if the gate does. With {@link #plain()} the harness is a
 * program without the kit, run once with {@link #args()} and {@link #stdin()}.
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

    /** The harness (or plain program), built for the board's CPU, unstripped. Required. */
    String harness();

    /** Libraries the harness loads, unstripped, deployed beside it and found through {@code LD_LIBRARY_PATH}. */
    String[] libs() default {};

    /** valgrind suppression files, deployed with the harness. */
    String[] suppressions() default {};

    /** Arguments for the harness. */
    String[] args() default {};

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

    /** The whole run's timeout in seconds, after which the harness is asked to end in steps. */
    int timeoutSeconds() default 300;

    /**
     * The known-leak baseline: a file in the repository listing accepted leaks by stack fingerprint
     * with a byte budget each (see {@code KnownLeaks}); leaks within budget do not fail the test but
     * are shown, leaks over budget or new ones fail, entries that match nothing are reported stale.
     * Write or rewrite it from a run with {@code -Dleakgate.baseline.update=true}. None by default.
     */
    String baseline() default "";

    /** A program without the harness kit: run once with {@link #args()} and {@link #stdin()}. */
    boolean plain() default false;

    /** Input for a plain program; its stdin is closed after it. */
    String stdin() default "";
}
