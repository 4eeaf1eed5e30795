package dev.leakgate.testing;

import dev.leakgate.memcheck.Amount;
import dev.leakgate.memcheck.LeakKind;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * valgrind's own LEAK SUMMARY for a program, from a run in text mode: the reference that
 * leakgate's totals must equal.
 */
public final class ValgrindTextSummary {

    private static final Pattern LINE = Pattern.compile(
            "(definitely lost|indirectly lost|possibly lost|still reachable|suppressed): ([\\d,]+) bytes in ([\\d,]+) blocks");

    private ValgrindTextSummary() {
    }

    /** Runs {@code valgrind --leak-check=full --show-leak-kinds=all [options] program args} in text mode. */
    public static Map<LeakKind, Amount> of(List<String> valgrindOptions, List<String> programAndArgs,
                                           Map<String, String> env) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("valgrind", "--leak-check=full", "--show-leak-kinds=all",
                "--child-silent-after-fork=yes"));
        cmd.addAll(valgrindOptions);
        cmd.addAll(programAndArgs);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(60, TimeUnit.SECONDS);
        Map<LeakKind, Amount> summary = new EnumMap<>(LeakKind.class);
        int at = out.indexOf("LEAK SUMMARY:");
        if (at < 0) {
            if (out.contains("All heap blocks were freed -- no leaks are possible")) {
                for (LeakKind k : LeakKind.values()) {
                    summary.put(k, Amount.ZERO);
                }
                return summary;
            }
            throw new IllegalStateException("valgrind printed no LEAK SUMMARY:\n" + out);
        }
        Matcher m = LINE.matcher(out.substring(at));
        while (m.find()) {
            summary.put(LeakKind.parse(m.group(1)), new Amount(number(m.group(2)), number(m.group(3))));
        }
        return summary;
    }

    private static long number(String digits) {
        return Long.parseLong(digits.replace(",", ""));
    }
}
