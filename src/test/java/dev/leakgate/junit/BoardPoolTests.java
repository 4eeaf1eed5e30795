package dev.leakgate.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.leakgate.board.BoardPool;
import dev.leakgate.config.Settings;
import dev.leakgate.testing.TestPrograms;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.platform.engine.DiscoverySelector;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.reporting.ReportEntry;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;

/**
 * A pool of boards (leakgate.boards) for real: test classes run in parallel by JUnit, each leasing
 * an emulated board of its own for its duration; a lab board that is down is skipped; a pool the
 * machine cannot hold, or copies of a lab board, are refused with the fix.
 */
class BoardPoolTests {

    private static final String KIT = "target/test-programs/aarch64/kit_demo";

    @BeforeAll
    static void build() {
        TestPrograms.aarch64KitProgram("kit_demo");
    }

    @ValgrindOnBoard(harness = KIT)
    static class FirstClassTestCase {
        @Test
        void frees(Harness kit) {
            kit.run("frees", 2);
        }
    }

    @ValgrindOnBoard(harness = KIT)
    static class SecondClassTestCase {
        @Test
        void frees(Harness kit) {
            kit.run("frees", 2);
        }
    }

    /** The classes in parallel (two at a time, as JUnit's fixed strategy runs them), with these settings. */
    static EngineExecutionResults inParallel(String board, String boards, Class<?>... classes) {
        if (board != null) {
            System.setProperty("leakgate.board", board);
        }
        System.setProperty("leakgate.boards", boards);
        try {
            return EngineTestKit.engine("junit-jupiter")
                    .configurationParameter("junit.jupiter.execution.parallel.enabled", "true")
                    .configurationParameter("junit.jupiter.execution.parallel.mode.classes.default", "concurrent")
                    .configurationParameter("junit.jupiter.execution.parallel.config.strategy", "fixed")
                    .configurationParameter("junit.jupiter.execution.parallel.config.fixed.parallelism", "2")
                    .configurationParameter("junit.jupiter.execution.parallel.config.executor-service", "FORK_JOIN_POOL")
                    .selectors(Arrays.stream(classes).map(c -> selectClass(c)).toArray(DiscoverySelector[]::new))
                    .execute();
        } finally {
            System.clearProperty("leakgate.boards");
            System.clearProperty("leakgate.board");
        }
    }

    private static List<String> boards(EngineExecutionResults results) {
        return results.testEvents().reportingEntryPublished().list().stream()
                .map(e -> e.getPayload(ReportEntry.class).orElseThrow())
                .filter(r -> r.getKeyValuePairs().containsKey("leakgate.board"))
                .map(r -> r.getKeyValuePairs().get("leakgate.board")).toList();
    }

    private static String failure(EngineExecutionResults results) {
        return results.testEvents().failed().list().get(0).getPayload(TestExecutionResult.class)
                .flatMap(TestExecutionResult::getThrowable).map(Throwable::getMessage).orElse("");
    }

    @Tag("valgrind")
    @Test
    void twoClassesInParallelEachLeaseABoardOfTheirOwn() {
        EngineExecutionResults results = inParallel(null, "2", FirstClassTestCase.class, SecondClassTestCase.class);

        results.testEvents().assertStatistics(s -> s.started(2).succeeded(2));
        assertThat(boards(results)).hasSize(2).doesNotHaveDuplicates()
                .allMatch(b -> b.startsWith("emulated aarch64 board (container "));
    }

    @Tag("valgrind")
    @Test
    void aLabBoardThatIsDownIsSkippedAndTheOtherServesBothClassesInTurn() {
        EngineExecutionResults results = inParallel(null, "ssh://root@127.0.0.1:1,emulated",
                FirstClassTestCase.class, SecondClassTestCase.class);

        results.testEvents().assertStatistics(s -> s.started(2).succeeded(2));
        assertThat(boards(results)).hasSize(2).allMatch(b -> b.equals(boards(results).get(0)))
                .allMatch(b -> b.startsWith("emulated aarch64 board (container "));
    }

    @Test
    void aPoolTheMachineCannotHoldAndCopiesOfALabBoardAreRefusedWithTheFix() {
        assertThat(failure(inParallel(null, "1000", FirstClassTestCase.class)))
                .contains("leakgate.boards = 1000 (system property leakgate.boards) asks for 1000 emulated boards, about"
                        + " 700000 MB under valgrind, but this machine has ")
                .contains("MB available: use at most ");
        assertThat(failure(inParallel(null, "99999999999", FirstClassTestCase.class)))
                .contains("leakgate.boards = 99999999999 (system property leakgate.boards) is not a number of boards a"
                        + " machine holds: give a few, or a list of boards");
        assertThat(failure(inParallel("ssh://root@camera-7", "2", FirstClassTestCase.class)))
                .contains("leakgate.boards = 2 (system property leakgate.boards) makes copies of an emulated board, but"
                        + " the board is ssh://root@camera-7: list the boards instead, e.g."
                        + " leakgate.boards=ssh://root@camera-1,ssh://root@camera-2");
    }

    @Tag("board")
    @Test
    void aPoolBoardThatDiesBetweenClassesIsRetiredAtTheNextLeaseAndAnotherServes() throws Exception {
        List<String> said = new CopyOnWriteArrayList<>();
        Settings settings = Settings.of(Map.of("leakgate.boards", "2",
                "leakgate.board", "emulated"));
        try (BoardPool pool = BoardPool.of(settings, "emulated", said::add)) {
            String first;
            try (BoardPool.Lease a = pool.lease("FirstClass")) {
                first = a.board().toString();
            }
            String container = first.replaceFirst(".*container ([0-9a-f]+).*", "$1");
            Process kill = new ProcessBuilder("docker", "kill", container).redirectErrorStream(true).start();
            assertThat(kill.waitFor()).as(new String(kill.getInputStream().readAllBytes())).isZero();

            try (BoardPool.Lease b = pool.lease("SecondClass")) {
                assertThat(b.board().toString()).isNotEqualTo(first).startsWith("emulated aarch64 board (container ");
                assertThat(b.board().shell("echo ok", Duration.ofSeconds(30)).stdout()).contains("ok");
            }
            assertThat(said).anySatisfy(l -> assertThat(l).startsWith("board " + first + " of leakgate.boards"
                    + " stopped answering (").endsWith("); retired, the other boards go on"));
        }
    }
}
