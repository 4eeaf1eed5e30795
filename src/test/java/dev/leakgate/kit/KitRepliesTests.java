package dev.leakgate.kit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The kit's replies read as a harness writes them: today's, and one built before it timed its requests. */
class KitRepliesTests {

    private static final String GREETING = KitProtocol.GREETING + "frees,leaks";

    @Test
    void aReplyCarriesTheTimeTheRequestTookInsideTheHarness() {
        KitReplies r = KitReplies.check(List.of(GREETING,
                "ok leaks 2 lost=600 possibly=0 reachable=-200 heap=4096 us=183250", "bye"),
                List.of(new KitReplies.Request("leaks", 2)));

        assertThat(r.problems()).isEmpty();
        assertThat(r.results()).singleElement().satisfies(s -> {
            assertThat(s.lost()).isEqualTo(600);
            assertThat(s.reachable()).isEqualTo(-200);
            assertThat(s.harnessMicros()).isEqualTo(183250);
        });
        assertThat(KitReplies.harnessMillis(r.results())).hasValue("183.3");
    }

    @Test
    void answersToLeakgatesOwnThreadQuestionAreNotTakenForScenarioReplies() {
        KitReplies today = KitReplies.check(List.of(GREETING, "threads 3", "ok leaks 1 lost=300 possibly=0 reachable=0"
                + " heap=300 us=90", "threads 4", "bye"), List.of(new KitReplies.Request("leaks", 1)));
        KitReplies older = KitReplies.check(List.of(GREETING, "error bad-command threads", "ok leaks 1 lost=300"
                + " possibly=0 reachable=0 heap=300", "bye"), List.of(new KitReplies.Request("leaks", 1)));

        assertThat(today.problems()).isEmpty();
        assertThat(today.results()).extracting(KitReplies.ScenarioResult::lost).containsExactly(300L);
        assertThat(older.problems()).as("a harness built before 'threads' says so, and is read as before").isEmpty();
        assertThat(older.results()).extracting(KitReplies.ScenarioResult::lost).containsExactly(300L);
    }

    @Test
    void aHarnessThatDoesNotTimeItsRequestsIsStillReadAndItsTimeIsNotGuessed() {
        KitReplies r = KitReplies.check(List.of(GREETING, "ok frees 3 lost=0 possibly=0 reachable=0 heap=0",
                "ok leaks 1 lost=300 possibly=0 reachable=0 heap=300 us=90", "bye"),
                List.of(new KitReplies.Request("frees", 3), new KitReplies.Request("leaks", 1)));

        assertThat(r.problems()).isEmpty();
        assertThat(r.results()).extracting(KitReplies.ScenarioResult::harnessMicros).containsExactly(-1L, 90L);
        assertThat(KitReplies.harnessMillis(r.results())).as("not a sum with a part missing").isEmpty();
        assertThat(KitReplies.harnessMillis(List.of())).isEmpty();
    }
}
