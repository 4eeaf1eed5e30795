package dev.leakgate.run;

import dev.leakgate.board.BoardInfo;
import dev.leakgate.kit.KitReplies;
import dev.leakgate.process.MemcheckRun;

import java.util.List;

/**
 * What a live session gives back when it is stopped: the run under memcheck (its report, how it
 * ended, its files), and what the test learnt while it ran: the kit's replies checked against the
 * requests, each scenario's bytes, the named leak checks and the marks.
 *
 * @param replies   the kit harness's replies checked against the requests; null for other programs
 * @param timedOut  whether the session's timeout ended the program (the run is then inconclusive)
 * @param board     the machine it ran on (also in the run's {@code board.txt}), or null when it could not be asked
 */
public record SessionReport(MemcheckRun run, Session.Kind kind, KitReplies replies,
                            List<KitReplies.ScenarioResult> results, List<CheckResult> checks, List<Mark> marks,
                            boolean timedOut, BoardInfo board) {

    public SessionReport {
        results = List.copyOf(results);
        checks = List.copyOf(checks);
        marks = List.copyOf(marks);
    }

    /**
     * Keeps what the test learnt beside the run's raw files: {@code scenarios.csv} (each scenario's
     * bytes and the heap in use after it), {@code checks.csv} (each named check) and {@code marks.csv}
     * (the moments drawn on the memory timeline), when there are any.
     */
    void writeFiles() {
        var folder = run.files().folder();
        if (!results.isEmpty()) {
            StringBuilder s = new StringBuilder("scenario,times,lost,possibly_lost,still_reachable,heap_in_use\n");
            for (KitReplies.ScenarioResult r : results) {
                s.append(r.scenario()).append(',').append(r.times()).append(',').append(r.lost()).append(',')
                        .append(r.possibly()).append(',').append(r.reachable()).append(',').append(r.heap())
                        .append('\n');
            }
            Session.write(folder.resolve("scenarios.csv"), s.toString());
        }
        if (!checks.isEmpty()) {
            StringBuilder s = new StringBuilder("check,elapsed_ms,lost,possibly_lost,still_reachable,lost_total\n");
            for (CheckResult c : checks) {
                s.append(csv(c.name())).append(',').append(c.elapsedMillis()).append(',').append(c.lost()).append(',')
                        .append(c.possibly()).append(',').append(c.reachable()).append(',').append(c.lostTotal())
                        .append('\n');
            }
            Session.write(folder.resolve("checks.csv"), s.toString());
        }
        if (!marks.isEmpty()) {
            StringBuilder s = new StringBuilder("elapsed_ms,label\n");
            for (Mark m : marks) {
                s.append(m.elapsedMillis()).append(',').append(csv(m.label())).append('\n');
            }
            Session.write(folder.resolve("marks.csv"), s.toString());
        }
    }

    /** A CSV field: quoted when it holds a comma, a quote or a line break. */
    static String csv(String field) {
        if (field.indexOf(',') < 0 && field.indexOf('"') < 0 && field.indexOf('\n') < 0) {
            return field;
        }
        return '"' + field.replace("\"", "\"\"") + '"';
    }
}
