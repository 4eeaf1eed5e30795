package dev.leakgate.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.leakgate.testing.TestPrograms;

import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.reporting.ReportEntry;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;

/**
 * {@code lifecycle = PER_CLASS} on the real emulated board, through the EngineTestKit: one valgrind
 * process serves a class's tests, each test is gated on what its own scenarios lost (with their
 * stacks), a crash fails only the test it happened in and the next test gets a new process, and
 * what no scenario showed (a leak at exit) fails the class.
 */
class SharedProcessTests {

    private static final String KIT = "target/test-programs/aarch64/kit_shared";

    @BeforeAll
    static void build() {
        TestPrograms.aarch64KitProgram("kit_shared");
    }

    private static EngineExecutionResults run(Class<?> testCase) {
        return EngineTestKit.engine("junit-jupiter").selectors(selectClass(testCase)).execute();
    }

    private static String message(Event event) {
        return event.getPayload(TestExecutionResult.class).flatMap(TestExecutionResult::getThrowable)
                .map(Throwable::getMessage).orElse("");
    }

    private static List<String> entries(EngineExecutionResults results, String key) {
        return results.testEvents().reportingEntryPublished().list().stream()
                .map(e -> e.getPayload(ReportEntry.class).orElseThrow())
                .filter(r -> r.getKeyValuePairs().containsKey(key))
                .map(r -> r.getKeyValuePairs().get(key)).toList();
    }

    // ---- fixtures -----------------------------------------------------------------------------

    @ValgrindOnBoard(harness = KIT, lifecycle = ValgrindOnBoard.Lifecycle.PER_CLASS)
    @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
    static class SharedTestCase {
        @Test
        @Order(1)
        void freesAll(Harness kit) {
            kit.run("frees", 5);
        }

        @Test
        @Order(2)
        void leaks(Harness kit) {
            kit.run("frees", 1);
            kit.run("leaks", 3);
        }

        @Test
        @Order(3)
        void freesAllAgain(Harness kit) {
            kit.run("frees", 5);
        }
    }

    @ValgrindOnBoard(harness = KIT, lifecycle = ValgrindOnBoard.Lifecycle.PER_CLASS)
    @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
    static class CrashTestCase {
        @Test
        @Order(1)
        void freesAll(Harness kit) {
            kit.run("frees", 2);
        }

        @Test
        @Order(2)
        void crashes(Harness kit) {
            kit.run("crashes", 1);
        }

        @Test
        @Order(3)
        void freesAllInANewProcess(Harness kit) {
            kit.run("frees", 2);
        }
    }

    @ValgrindOnBoard(harness = KIT, lifecycle = ValgrindOnBoard.Lifecycle.PER_CLASS)
    static class LeakAtExitTestCase {
        @Test
        void losesNothingWhileItRuns(Harness kit) {
            kit.run("leaks_at_exit", 1);
        }
    }

    @ValgrindOnBoard(harness = KIT, lifecycle = ValgrindOnBoard.Lifecycle.PER_CLASS, maxDefinitelyLost = 100)
    static class SharedWithALimitTestCase {
        @Test
        void anything(Harness kit) {
            kit.run("frees", 1);
        }
    }

    // ---- tests --------------------------------------------------------------------------------

    @Tag("valgrind")
    @Test
    void oneProcessServesTheClassAndEachTestIsGatedOnItsOwnScenariosWithTheirStacks() {
        EngineExecutionResults results = run(SharedTestCase.class);

        results.testEvents().assertStatistics(s -> s.started(3).succeeded(2).failed(1));
        Event leaks = results.testEvents().failed().list().get(0);
        assertThat(leaks.getTestDescriptor().getDisplayName()).startsWith("leaks(");
        assertThat(message(leaks)).startsWith("leakgate: FAIL: this test's scenarios lost bytes while they ran (in the"
                        + " harness process this class shares, on ")
                .contains("\nscenario leaks (x3) lost 900 bytes while it ran (definitely and indirectly lost; limit 0)")
                .contains("at leaks (kit_shared.c:11)")
                .doesNotContain("scenario frees");
        // one process for the three tests: the same run folder, and the class passes (its leak was a test's)
        assertThat(entries(results, "leakgate.shared")).hasSize(3).containsOnly(entries(results, "leakgate.shared")
                .get(0));
        results.containerEvents().assertStatistics(s -> s.failed(0));
        assertThat(entries(results, "leakgate.scenarios").get(1)).startsWith("frees x1: lost 0 bytes")
                .contains("; leaks x3: lost 900 bytes (definitely and indirectly)");
        // each test says how long its requests took inside the harness (what the benchmark's overhead subtracts)
        assertThat(entries(results, "leakgate.harness.ms")).hasSize(3)
                .allSatisfy(ms -> assertThat(Double.parseDouble(ms)).isPositive());
    }

    @Tag("valgrind")
    @Test
    void aCrashFailsOnlyItsTestAndTheNextTestGetsANewProcess() {
        EngineExecutionResults results = run(CrashTestCase.class);

        results.testEvents().assertStatistics(s -> s.started(3).succeeded(2).failed(1));
        Event crash = results.testEvents().failed().list().get(0);
        assertThat(crash.getTestDescriptor().getDisplayName()).startsWith("crashes(");
        assertThat(message(crash)).contains("the harness ended before it answered run crashes 1");
        List<String> folders = entries(results, "leakgate.shared");
        assertThat(folders).hasSize(2); // the crashed test published none: its body failed
        assertThat(folders.get(0)).isNotEqualTo(folders.get(1));
        // the crashed process is judged with the class: never green
        Event classFailure = results.containerEvents().failed().list().get(0);
        assertThat(message(classFailure)).startsWith("leakgate: the harness run went wrong")
                .contains("SIGSEGV");
    }

    @Tag("valgrind")
    @Test
    void whatNoScenarioShowedFailsTheClass() {
        EngineExecutionResults results = run(LeakAtExitTestCase.class);

        results.testEvents().assertStatistics(s -> s.started(1).succeeded(1));
        Event classFailure = results.containerEvents().failed().list().get(0);
        assertThat(message(classFailure)).startsWith("leakgate: FAIL: the shared harness process lost 100 bytes"
                + " (definitely and indirectly) by its end, 100 more than its tests' scenarios showed while they ran (0)")
                .contains("at lose_100 (kit_shared.c:");
    }

    @Test
    void sharingTakesNoLimitButNothingLost() {
        EngineExecutionResults results = run(SharedWithALimitTestCase.class);

        Event failed = results.testEvents().failed().list().get(0);
        assertThat(message(failed)).contains("lifecycle = PER_CLASS gates each test on what its scenarios lost, which"
                + " must be nothing: it takes no baseline and no maxDefinitelyLost; use PER_TEST for those");
    }
}
