package dev.leakgate.gate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class GrowthGateTests {

    /** Heap = base + slope * run after a warm-up bump. */
    private static GrowthSeries series(long slope, long warmupBump) {
        List<String> out = new ArrayList<>();
        for (int run = 100; run <= 2000; run += 100) {
            long heap = 50_000 + slope * run + (run <= 400 ? warmupBump : 0);
            out.add("sample cache " + run + " heap=" + heap + " rss=" + (1_000_000 + 2 * slope * run));
        }
        out.add("ok-soak cache 2000");
        return GrowthSeries.parse(out, "cache", 2000);
    }

    @Test
    void slopeOverTheSteadyStateIsExactAndTheWarmupIsDropped() {
        GrowthGate.Result r = new GrowthGate(16, 0.2).evaluate(series(224, 90_000));

        assertThat(r.conclusive()).isTrue();
        assertThat(r.passed()).isFalse();
        assertThat(r.heapSlope()).isCloseTo(224.0, within(1e-9));
        assertThat(r.rssSlope()).isCloseTo(448.0, within(1e-9));
        assertThat(r.message()).startsWith("leakgate: FAIL: scenario cache grows the heap by 224.0 bytes per run over"
                + " the steady state (runs 500 to 2000; limit 16 bytes per run); resident set 448.0 bytes per run\n"
                + "      runs   heap bytes    rss bytes\n       100       162400      1044800  (warm-up)");
    }

    @Test
    void flatSeriesPasses() {
        GrowthGate.Result r = new GrowthGate(0, 0.2).evaluate(series(0, 90_000));

        assertThat(r.passed()).isTrue();
        assertThat(r.heapSlope()).isZero();
        assertThat(r.message()).startsWith("leakgate: PASS: scenario cache grows the heap by 0.0 bytes per run");
    }

    @Test
    void tooFewSamplesOrAnUnfinishedSoakIsInconclusiveNotPassed() {
        GrowthSeries few = GrowthSeries.parse(List.of("sample c 900 heap=1 rss=1", "sample c 1000 heap=2 rss=2",
                "ok-soak c 1000"), "c", 1000);
        GrowthSeries unfinished = GrowthSeries.parse(List.of("sample c 500 heap=1 rss=1"), "c", 1000);

        GrowthGate.Result a = new GrowthGate(1000, 0.2).evaluate(few);
        GrowthGate.Result b = new GrowthGate(1000, 0.2).evaluate(unfinished);

        assertThat(a.passed()).isFalse();
        assertThat(a.conclusive()).isFalse();
        assertThat(a.message()).startsWith("leakgate: INCONCLUSIVE: the growth of scenario c cannot be judged: only 2"
                + " samples after the warm-up (need 3)");
        assertThat(b.message()).contains("the harness did not finish the soak");
    }

    @Test
    void wrongLimitsAreRefused() {
        assertThatThrownBy(() -> new GrowthGate(-1, 0.2)).hasMessageContaining("must be >= 0 bytes per run");
        assertThatThrownBy(() -> new GrowthGate(0, 1.0)).hasMessageContaining("fraction of the runs in [0, 1)");
    }
}
