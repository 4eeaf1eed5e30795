package dev.leakgate.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Debian's chromium, headless: how a person's browser renders a report page. */
public final class Chromium {

    private Chromium() {
    }

    /** The DOM Chromium builds from the page; a screenshot is saved beside it ({@code page.png}). */
    public static String render(Path page) throws IOException, InterruptedException {
        Path png = page.resolveSibling(page.getFileName() + ".png");
        run("--screenshot=" + png, "--window-size=1000,1400", page.toUri().toString());
        assertThat(png).isRegularFile();
        assertThat(Files.size(png)).as("a screenshot with something on it").isGreaterThan(10_000);
        return run("--dump-dom", page.toUri().toString());
    }

    private static String run(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("chromium", "--headless", "--no-sandbox", "--disable-gpu",
                "--no-first-run", "--user-data-dir=" + Files.createTempDirectory("chromium")));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("chromium finished").isTrue();
        return out;
    }
}
