package dev.leakgate.run;

import dev.leakgate.kit.KitProtocol;
import dev.leakgate.kit.KitReplies;
import dev.leakgate.memcheck.MemcheckReport;
import dev.leakgate.memcheck.MemcheckXmlParser;
import dev.leakgate.process.MemcheckProcess;
import dev.leakgate.process.ShellQuoting;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Predicate;

/**
 * The client side of the kit's live protocol ({@code leakgate_harness.h}): the harness's greeting,
 * {@code run SCENARIO N} requests and their replies, the kit's own leak checks, read from the
 * program's stdout by the run's token; what it asked and what came back, for the session's report.
 */
final class KitClient {

    /** What the client needs of the session it talks for. */
    interface Host {
        /** Whether the session's end came (its timeout, or the stop). */
        boolean ended();

        /** Whether the session's timeout passed. */
        boolean timedOut();

        long timeoutSeconds();

        /** Why the program ended, for a message (" (it returned from main)", ", and the run says why: ..."). */
        String whyEnded();

        /** The last lines of the program's output, for a message. */
        String lastOutput();

        /** What the program is doing now, for progress lines. */
        void doing(String status);

        /** The program's threads now, or -1. */
        int threads();
    }

    private final MemcheckProcess process;
    private final KitProtocol.Follower replies;
    private final Host host;
    private final List<KitReplies.Request> requests = Collections.synchronizedList(new ArrayList<>());
    private final List<KitReplies.ScenarioResult> results = Collections.synchronizedList(new ArrayList<>());
    private final List<String> pending = new ArrayList<>();

    KitClient(MemcheckProcess process, KitProtocol.Follower replies, Host host) {
        this.process = process;
        this.replies = replies;
        this.host = host;
    }

    /** Asks the harness for a leak check of its own and returns its answer line. */
    String check(String name) {
        process.send(("check " + name + "\n").getBytes(StandardCharsets.UTF_8));
        return awaitReply(l -> l.startsWith("checked " + name + " "), "check " + name);
    }

    /** Whether the harness answered "threads" (one built before it did says "error bad-command"). */
    private boolean threadsAnswered = true;

    /**
     * The harness's threads now, as it counts them itself (over the kit's own channel: no command on
     * the board), or -1 when it cannot say (built before it could, or ended).
     */
    int threads() {
        if (!threadsAnswered || process.hasExited()) {
            return -1;
        }
        process.send("threads\n".getBytes(StandardCharsets.US_ASCII));
        String reply;
        try {
            reply = awaitReply(l -> l.startsWith("threads ") || l.equals("error bad-command threads"), "threads");
        } catch (SessionException ended) {
            return -1; // it ended before it answered: it cannot tell, as a program that has ended cannot
        }
        if (!reply.startsWith("threads ")) {
            threadsAnswered = false;
            return -1;
        }
        try {
            return Integer.parseInt(reply.substring("threads ".length()).strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The requests sent so far, in order. */
    List<KitReplies.Request> requests() {
        return List.copyOf(requests);
    }

    /** The results answered so far, in order. */
    List<KitReplies.ScenarioResult> results() {
        synchronized (results) {
            return List.copyOf(results);
        }
    }

    /**
     * Runs a scenario of a kit harness this many times and returns what it leaked while it ran.
     * Throws a {@link SessionException} when the harness does not know the scenario or ends before it
     * answers.
     */
    KitReplies.ScenarioResult run(String scenario, int times) {
        if (!scenario.matches("[A-Za-z_][A-Za-z0-9_]*")) {
            throw new IllegalArgumentException("'" + scenario + "' is not a scenario name (letters, digits, '_')");
        }
        if (times < 1) {
            throw new IllegalArgumentException("a scenario runs at least once, but " + scenario + " was asked to run "
                    + times + " times");
        }
        String hello = greeting();
        if (!hello.startsWith(KitProtocol.GREETING)) {
            throw new SessionException(hello.contains(" error bad-scenario-name ")
                    ? "the harness refused to start: its scenario name '" + hello.substring(hello.indexOf(
                    "bad-scenario-name ") + 18) + "' is not letters, digits and '_' (not starting with a digit), or is"
                    + " given twice; rename it in LEAKGATE_SCENARIOS"
                    : "the harness greeted with '" + hello + "': it was built with another version of"
                    + " leakgate_harness.h; rebuild it with this leakgate's (java -jar leakgate-cli.jar kit)");
        }
        requests.add(new KitReplies.Request(scenario, times));
        host.doing(", running " + scenario + " x" + times + " (request " + requests.size() + ")");
        process.send(("run " + scenario + " " + times + "\n").getBytes(StandardCharsets.US_ASCII));
        String reply = awaitReply(l -> l.startsWith("ok " + scenario + " ") || l.startsWith("error "),
                "run " + scenario + " " + times);
        if (reply.startsWith("error unknown-scenario")) {
            throw new SessionException("the harness has no scenario '" + scenario + "' (register it with"
                    + " LEAKGATE_SCENARIO(" + scenario + ")); it has: " + String.join(", ", scenarios()));
        }
        KitReplies r = KitReplies.check(List.of(greeting(), reply, "bye"), List.of(new KitReplies.Request(scenario, times)));
        if (r.results().isEmpty()) {
            throw new SessionException("the harness answered '" + reply + "' to 'run " + scenario + " " + times + "'");
        }
        KitReplies.ScenarioResult result = r.results().get(0);
        results.add(result);
        if (result.times() != times) {
            throw new SessionException("the harness ran " + scenario + " " + result.times() + " of the " + times
                    + " times asked before it was stopped" + (host.timedOut() ? " (the session's timeout of "
                    + host.timeoutSeconds() + " s passed)" : " (by a signal)") + host.lastOutput());
        }
        host.doing(", waiting for the test's next request (" + results.size() + " answered)");
        return result;
    }

    private String greetingLine;
    /** Whether to count the program's threads once it greets ({@link #watchThreads}). */
    private volatile boolean watchThreads;
    private volatile int threadsAtStart = -1;

    private String greeting() {
        if (greetingLine == null) {
            greetingLine = awaitReply(l -> l.startsWith("leakgate-harness "), "its greeting");
            if (watchThreads) {
                threadsAtStart = host.threads();
            }
        }
        return greetingLine;
    }

    /**
     * Counts the program's threads when it greets, before any scenario ran (see {@link #threadsAtStart}):
     * for a process that tests share, where a thread one test starts can lose memory while another runs.
     */
    void watchThreads() {
        watchThreads = true;
    }

    /** The program's threads when it greeted, or -1 when not counted ({@link #watchThreads}). */
    int threadsAtStart() {
        return threadsAtStart;
    }

    private List<String> scenarios() {
        String g = greeting();
        return g.startsWith(KitProtocol.GREETING) ? List.of(g.substring(KitProtocol.GREETING.length()).split(","))
                : List.of();
    }

    /** The next reply that matches, waiting while the program runs and the session's time lasts. */
    private String awaitReply(Predicate<String> wanted, String what) {
        while (true) {
            synchronized (pending) {
                pending.addAll(replies.poll());
                for (int i = 0; i < pending.size(); i++) {
                    String l = pending.get(i);
                    if (l.startsWith("leakgate-harness ") && greetingLine == null) {
                        greetingLine = l;
                    }
                    if (wanted.test(l)) {
                        pending.subList(0, i + 1).clear();
                        return l;
                    }
                }
            }
            if (process.hasExited() || host.ended()) {
                synchronized (pending) {
                    pending.addAll(replies.poll());
                    for (String l : pending) {
                        if (wanted.test(l)) {
                            pending.remove(l);
                            return l;
                        }
                    }
                }
                if (host.timedOut()) {
                    throw new SessionException("the harness ended before it answered " + what + " (the session's"
                            + " timeout of " + host.timeoutSeconds() + " s passed)" + host.lastOutput());
                }
                throw new SessionException("the harness ended before it answered " + what + host.whyEnded() + host.lastOutput());
            }
            Session.sleep(5);
        }
    }

    /** See {@link Session#lostStacks}. */
    List<String> lostStacks(List<KitReplies.ScenarioResult> asked) {
        String xml = process.command().xmlFile();
        MemcheckProcess.ShellResult now = process.shell("cat " + ShellQuoting.quote(xml), Duration.ofSeconds(60));
        if (!now.ok() || now.stdout().isEmpty()) {
            return asked.stream().map(r -> "").toList();
        }
        MemcheckReport soFar = new MemcheckXmlParser().parse(
                new ByteArrayInputStream(now.stdout().getBytes(StandardCharsets.UTF_8)), xml + " (so far)");
        List<String> stacks = new ArrayList<>();
        for (KitReplies.ScenarioResult result : asked) {
            int occurrence = 0; // the how-manieth run of its scenario in this session
            for (KitReplies.ScenarioResult r : results()) {
                if (r.scenario().equals(result.scenario())) {
                    occurrence++;
                }
                if (r == result) {
                    break;
                }
            }
            String begin = "leakgate: begin " + result.scenario() + " ";
            stacks.add(SessionGate.stacksAfter(soFar, text -> text.startsWith(begin), occurrence));
        }
        return stacks;
    }
}
