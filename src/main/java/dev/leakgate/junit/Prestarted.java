package dev.leakgate.junit;

import dev.leakgate.board.Board;
import dev.leakgate.gate.LeakGate;
import dev.leakgate.process.Console;
import dev.leakgate.run.Session;
import dev.leakgate.run.SessionGate;
import dev.leakgate.run.SessionReport;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Processes started for a test class still to come ({@code lifecycle = PER_CLASS}). When a class that
 * shares a process ends, and the run had already started the same program (the same files, arguments,
 * environment and settings: {@link TestConfig#processKey}) for an earlier class, the same program is
 * started again on the same board before the ending class's own process is stopped, so that the next
 * class with that program finds valgrind's start behind it. At most one per board. The next class to
 * use the board takes it when it runs the same program and ends it otherwise; the end of the run ends
 * what is left. A process ended unused is judged like any other, and named with its verdict and its
 * folder: nothing leakgate started goes unseen, and nothing is left on the board.
 */
final class Prestarted implements AutoCloseable {

    private record Spare(String key, String after, Session session, Board board) {
    }

    private final Map<Board, Spare> byBoard = new IdentityHashMap<>();
    /** How many classes of the run have ended with each program. */
    private final Map<String, Integer> classes = new HashMap<>();

    /**
     * At the end of a class that shared a process on {@code board}: starts its program again there,
     * named after the class, when an earlier class of the run ran it too. A start that fails is said
     * and left to the next class, which then starts its own and says why it cannot.
     */
    void classEnded(Board board, String key, String className, Function<String, Session> start) {
        synchronized (this) {
            if (classes.merge(key, 1, Integer::sum) < 2) {
                return;
            }
        }
        end(remove(board), "another was started after " + className);
        try {
            Session s = start.apply("prestarted-after-" + className);
            synchronized (this) {
                byBoard.put(board, new Spare(key, className, s, board));
            }
            Console.say("prestarted " + className + "'s program again on " + board + " for the next class that runs it"
                    + " (its files: " + s.folder() + ")");
        } catch (RuntimeException e) {
            Console.say("could not prestart " + className + "'s program again on " + board + ": " + e.getMessage());
        }
    }

    /**
     * For a class that begins to use {@code board}: the process prestarted there when it runs the
     * class's program ({@code key}; null for a class that shares none), else null; a prestarted
     * process of another program, or one that has ended, is ended and named first.
     */
    Session take(Board board, String key, String className) {
        Spare s = remove(board);
        if (s == null) {
            return null;
        }
        if (key != null && s.key().equals(key) && !s.session().hasEnded()) {
            Console.say(className + " takes the process prestarted after " + s.after() + " (its files: "
                    + s.session().folder() + ")");
            return s.session();
        }
        end(s, s.session().hasEnded() ? "it ended by itself before " + className + " began"
                : className + " runs another program there");
        return null;
    }

    private synchronized Spare remove(Board board) {
        return byBoard.remove(board);
    }

    /** Ends a prestarted process no class took, judges it and names it with its verdict and folder. */
    private static void end(Spare s, String why) {
        if (s == null) {
            return;
        }
        SessionReport report;
        try {
            report = s.session().stop();
        } catch (RuntimeException e) {
            try {
                s.session().close(); // ends what is left of it, whatever stopping it threw
            } catch (RuntimeException again) {
                // said below
            }
            Console.say("the process prestarted after " + s.after() + " was not used (" + why + ") and could not be"
                    + " stopped as planned (" + e.getMessage() + "): ended; its files: " + s.session().folder());
            return;
        }
        SessionGate.SessionVerdict verdict = new SessionGate(LeakGate.defaults(), false).judge(report, s.board().toString());
        Console.say("the process prestarted after " + s.after() + " was not used (" + why + ") and is ended; its files: "
                + report.run().files().folder() + "; " + (verdict.passed() ? TestRun.firstLine(verdict.message())
                : verdict.message()).replaceFirst("^leakgate: ", ""));
    }

    /** At the end of the run: ends every process still waiting for a class. */
    @Override
    public void close() {
        List<Spare> left;
        synchronized (this) {
            left = new ArrayList<>(byBoard.values());
            byBoard.clear();
        }
        for (Spare s : left) {
            end(s, "no class of the run took it");
        }
    }
}
