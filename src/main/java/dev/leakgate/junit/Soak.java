package dev.leakgate.junit;

import dev.leakgate.board.Board;
import dev.leakgate.board.Deployment;
import dev.leakgate.gate.GrowthGate;
import dev.leakgate.gate.GrowthSeries;
import dev.leakgate.gate.Outcome;
import dev.leakgate.kit.KitProtocol;
import dev.leakgate.process.Console;
import dev.leakgate.process.NativeRun;
import dev.leakgate.process.Termination;
import dev.leakgate.report.HtmlReport;
import dev.leakgate.run.Placeholders;

import org.junit.jupiter.api.extension.ExtensionContext;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The soaks of a test ({@link Harness#soak(String, int, long)}): the harness played natively on the board (no valgrind,
 * real speed) with each soaked scenario repeated, its heap measured between runs, and the growth gate
 * applied to each series; pages and report entries as for the leak check.
 */
final class Soak {

    private Soak() {
    }

    /** Plays the soaks and gates their growth; returns the failures' messages. */
    static List<String> play(ExtensionContext context, TestConfig config, Harness harness, Board b, Deployment d,
                             Placeholders where, String title, String runName) {
        ValgrindOnBoard a = config.annotation();
        String token = KitProtocol.newToken();
        Map<String, String> env = new LinkedHashMap<>();
        env.put("LD_LIBRARY_PATH", d.folder());
        env.put(KitProtocol.TOKEN_VARIABLE, token);
                config.env().forEach((k, v) -> env.put(k, where.expand(v, "env")));
        NativeRun run = b.runNative(d.pathOf(config.harness()), where.expand(List.of(a.args()),
                "args"), env,
                runName + "-soak", harness.soakScript().getBytes(StandardCharsets.US_ASCII),
                Duration.ofSeconds(a.timeoutSeconds()));
        List<String> out = KitProtocol.replies(run.files().stdout(), token);
        String cut = run.lostBoard() != null ? "; " + run.lostBoard()
                : run.termination().endedByLeakgate() ? "; the soak was ended by the timeout after " + a.timeoutSeconds()
                + " s, so it did not finish" : "";
        List<String> failures = new ArrayList<>();
        List<String> messages = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        Outcome outcome = Outcome.PASS;
        for (Harness.SoakCall call : harness.soaks()) {
            GrowthSeries series = GrowthSeries.parse(out, call.scenario(), call.runs());
            if (run.termination() != Termination.EXITED) {
                series = series.unfinished();
            }
            Path csv = series.writeCsv(run.files().folder().resolve("growth-" + call.scenario() + ".csv"));
            GrowthGate.Result result = new GrowthGate(call.maxBytesPerRun(), 0.2).evaluate(series);
            context.publishReportEntry("leakgate.growth." + call.scenario(), csv.toString());
            messages.add(result.message());
            if (result.conclusive()) {
                notes.add(String.format(Locale.ROOT, "growth of %s: %.1f bytes per run (limit %d)",
                        call.scenario(), result.heapSlope(), call.maxBytesPerRun()));
            }
            if (!result.passed()) {
                failures.add(result.message() + "\n  (natively on " + b + "; series: " + csv + cut + ")");
                outcome = !result.conclusive() ? Outcome.INCONCLUSIVE
                        : outcome == Outcome.INCONCLUSIVE ? outcome : Outcome.FAIL;
            }
        }
        Path page = HtmlReport.writeSoakPage(title, outcome, messages, run.files(), 0.2);
        ValgrindOnBoardExtension.reportIndex(context).add(new HtmlReport.Entry(context.getRequiredTestClass()
                .getSimpleName() + " > " + context.getDisplayName() + " (growth)", outcome.name(),
                TestRun.firstLine(messages.isEmpty() ? "" : messages.get(0)), page, notes));
        context.publishReportEntry("leakgate.growth.report", page.toString());
        run.notes().forEach(Console::say);
        return failures;
    }
}
