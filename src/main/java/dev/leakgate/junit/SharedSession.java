package dev.leakgate.junit;

import dev.leakgate.board.Board;
import dev.leakgate.kit.KitReplies;
import dev.leakgate.gate.LeakGate;
import dev.leakgate.memcheck.LeakKind;
import dev.leakgate.memcheck.LeakTotals;
import dev.leakgate.gate.Outcome;
import dev.leakgate.run.Session;
import dev.leakgate.run.SessionGate;
import dev.leakgate.run.SessionReport;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The valgrind process of a kit harness that a test class's tests share
 * ({@code lifecycle = PER_CLASS}): started at the first request of any test, used by each test in
 * turn, and stopped after the class. A process that ended while a test used it (a crash, the
 * timeout) is retired with its report, and the next test starts a new one; every process's final
 * leak check is judged with the class ({@link #judge}).
 */
final class SharedSession implements AutoCloseable {

    private final String name;
    /** One test at a time talks to the process, even when JUnit runs the class's methods concurrently. */
    private final Semaphore turn = new Semaphore(1, true);
    private Session current;
    private final List<SessionReport> retired = new ArrayList<>();
    /** The process's threads after the last test's turn (at its greeting before the first), -1 unknown. */
    private int threadsAfterLastTurn = -1;
    /** Which test left threads running in the current process, and how many, or null. */
    private String threadsLeftBy;

    SharedSession(String name) {
        this.name = name;
    }

    /** The run name of its processes (their folders). */
    String name() {
        return name;
    }

    /** Waits for this test's turn with the process (see {@link #release}). */
    void acquire() {
        try {
            turn.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the class's shared harness process", e);
        }
    }

    /** Ends this test's turn. */
    void release() {
        turn.release();
    }

    /** The running process, started now when there is none (or the last one ended). */
    synchronized Session session(Supplier<Session> start) {
        if (current != null && current.hasEnded()) {
            retire();
        }
        if (current == null) {
            current = start.get();
            current.watchThreads();
            threadsAfterLastTurn = -1;
            threadsLeftBy = null;
        }
        return current;
    }

    /**
     * At the end of a test's turn: whether the test left more threads running than there were when its
     * turn began (they may lose memory while a later test runs, and that test is then blamed), said in
     * words, or null; and which earlier test did so, for a later test that lost bytes, or null.
     */
    synchronized String[] threadsAfterTurn(Session s, String test) {
        int before = threadsAfterLastTurn >= 0 ? threadsAfterLastTurn : s.threadsAtStart();
        int now = s.threads();
        String earlier = threadsLeftBy;
        String left = null;
        if (before >= 0 && now > before) {
            left = test + " left " + (now - before) + " more thread" + (now - before == 1 ? "" : "s") + " running in"
                    + " the process the class shares (" + before + " when its turn began, " + now + " at its end)";
            threadsLeftBy = left;
        }
        if (now >= 0) {
            threadsAfterLastTurn = now;
        }
        return new String[] {left, earlier};
    }

    /** How the class's process was started (its board, what makes it the same program, the start), or null. */
    private Board board;
    private String key;
    private Function<String, Session> starter;

    /**
     * The class's process on {@code board}: the one prestarted there for it (see {@link Prestarted}) when
     * it runs the same program ({@code key}), else one {@code start} starts now under this one's name.
     * How it starts is kept, for one started again for a class to come ({@link #prestartNext}).
     */
    synchronized Session takeOrStart(Prestarted prestarted, Board board, String key, String className,
                                     Function<String, Session> start) {
        if (starter == null) {
            this.board = board;
            this.key = key;
            this.starter = start;
        }
        Session spare = prestarted.take(board, key, className);
        return spare != null ? spare : start.apply(name);
    }

    /**
     * At the end of the class, before its process is stopped: the same program started again on the
     * same board for the next class that runs it, when an earlier class ran it too (see {@link Prestarted}).
     */
    void prestartNext(Prestarted prestarted, String className) {
        Board b;
        String k;
        Function<String, Session> start;
        synchronized (this) {
            b = board;
            k = key;
            start = starter;
        }
        if (start != null) {
            prestarted.classEnded(b, k, className, start);
        }
    }

    /** Stops the current process and keeps its report for the class's judgement; the next request starts anew. */
    synchronized void retire() {
        threadsAfterLastTurn = -1;
        threadsLeftBy = null;
        if (current != null) {
            Session s = current;
            current = null;
            retired.add(s.stop());
        }
    }

    /** After the class: every process's report, the current one stopped first. */
    synchronized List<SessionReport> finish() {
        retire();
        return List.copyOf(retired);
    }

    /**
     * The class's judgement of one process: every trust rule of the whole run (a crash, the timeout, a
     * cut-off report, the kit's replies), every limit and error kind of the class's gate but the lost
     * bytes (errors such as InvalidRead, possibly lost, still reachable: no test was gated on those),
     * and the lost bytes its final leak check found beyond what its scenarios showed while they ran
     * (the tests were gated on those). {@code whole} is the run's verdict under the class's gate. The
     * verdict that fails the class, or null when nothing is left to fail it for.
     */
    static SessionGate.SessionVerdict judge(SessionReport report, SessionGate.SessionVerdict whole, LeakGate gate,
                                            String where) {
        if (whole.outcome() == Outcome.INCONCLUSIVE) {
            return whole;
        }
        SessionGate.SessionVerdict besidesLost = new SessionGate(gate.ungated(LeakKind.DEFINITELY_LOST), false)
                .judge(report, where);
        if (besidesLost.outcome() != Outcome.PASS) {
            return besidesLost;
        }
        LeakTotals totals = report.run().report().totals();
        long shown = report.results().stream().mapToLong(KitReplies.ScenarioResult::lost).sum();
        long lost = (totals.isKnown(LeakKind.DEFINITELY_LOST) ? totals.bytes(LeakKind.DEFINITELY_LOST) : 0)
                + (totals.isKnown(LeakKind.INDIRECTLY_LOST) ? totals.bytes(LeakKind.INDIRECTLY_LOST) : 0);
        if (lost > shown) {
            return new SessionGate.SessionVerdict(Outcome.FAIL, whole.verdict(), "leakgate: FAIL: the shared harness"
                    + " process lost " + lost + " bytes (definitely and indirectly) by its end, " + (lost - shown)
                    + " more than its tests' scenarios showed while they ran (" + shown + "): a leak between tests, at"
                    + " exit, or one that a scenario's own leak check could not see yet\n" + whole.message());
        }
        return null;
    }

    @Override
    public synchronized void close() {
        if (current != null) {
            current.close();
            current = null;
        }
    }
}
