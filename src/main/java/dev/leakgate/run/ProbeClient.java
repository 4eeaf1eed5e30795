package dev.leakgate.run;

import dev.leakgate.board.Board;
import dev.leakgate.process.MemcheckProcess;
import dev.leakgate.process.ShellQuoting;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

/**
 * The client side of the leak check probe ({@code leakgate_probe.c}, preloaded into a program that is
 * not a kit harness): requests through the run's {@code probe.ctl} FIFO, answers from
 * {@code probe.ans}, each answer proved the probe's by the run's secret.
 */
final class ProbeClient {

    private final MemcheckProcess process;
    private final String probeSecret;
    private final Supplier<String> lastOutput;

    ProbeClient(MemcheckProcess process, String probeSecret, Supplier<String> lastOutput) {
        this.process = process;
        this.probeSecret = probeSecret;
        this.lastOutput = lastOutput;
    }

    /**
     * Has the probe send the stop signal to the program's main thread (see leakgate_probe.c: under
     * QEMU a signal sent to the process may stay pending in the probe's own thread); false when the
     * probe does not answer, so that the signal is sent to the process instead.
     */
    boolean signal(String signal) {
        try {
            return probe("signal " + signal, "signalled*", Duration.ofSeconds(30)).startsWith("signalled");
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Takes a leak check through the probe and returns its answer line ("checked NAME lost=..."). */
    String check(String name) {
        if (process.hasExited()) {
            throw new SessionException("the program has ended, so it cannot take the leak check '" + name + "'"
                    + lastOutput.get());
        }
        String out;
        try {
            out = probe("check " + name, ShellQuoting.quote("checked " + name + " ") + "*", Duration.ofSeconds(120));
        } catch (SessionException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new SessionException("the probe did not answer the leak check '" + name + "' within 120 s ("
                    + e.getMessage() + "): the program may be stopped, or valgrind is busy" + lastOutput.get());
        }
        if (out.equals("noprobe")) {
            throw new SessionException("the leak check probe is not loaded into the program (no probe.ctl in "
                    + process.runFolder() + ")" + lastOutput.get());
        }
        if (!out.startsWith("checked ")) {
            throw new SessionException("the probe answered '" + out + "' to the leak check '" + name + "'"
                    + (process.hasExited() ? "; the program has ended" + lastOutput.get() : ""));
        }
        return out;
    }

    /**
     * Sends a line to the probe and returns its answer (the first line matching {@code answer}, a
     * shell case pattern, or an error), "noprobe" when it is not loaded, "gone" when the program
     * ended before it answered. Both FIFOs are opened read-write, so no open ever waits for the
     * other side, and a watcher ends the wait when the program's process is gone; read, printf,
     * case, kill and echo are shell builtins (only the watcher's sleep is a program).
     */
    private String probe(String line, String answer, Duration timeout) {
        String script = "cd " + ShellQuoting.quote(process.runFolder()) + " && [ -p probe.ctl ] || { echo noprobe;"
                + " exit 0; }; read P < .pid 2>/dev/null; exec 3<>probe.ans 4<>probe.ctl;"
                + " ( while kill -0 \"$P\" 2>/dev/null; do sleep 1; done; echo gone >&3 ) & w=$!;"
                + " printf '%s\\n' " + ShellQuoting.quote(line) + " >&4;"
                + " while read -r line <&3; do case \"$line\" in *" + answer + "|*error*|gone) echo \"$line\"; break;;"
                + " esac; done; kill $w 2>/dev/null";
        String out = process.shell(script, timeout).stdout().strip();
        if (out.equals("noprobe") || out.equals("gone") || probeSecret == null) {
            return out;
        }
        // the secret is checked here, not in the script, whose command line the program could read on the board
        String mark = "@" + probeSecret + " ";
        if (!out.startsWith(mark)) {
            throw new SessionException("a line in the probe's answer FIFO is not the probe's (it lacks the run's"
                    + " secret): '" + out + "'; something in the program wrote into " + process.runFolder()
                    + "/probe.ans, so the leak checks cannot be trusted (or the probe was built from an older"
                    + " leakgate_probe.c: rebuild it from this leakgate's kit, java -jar leakgate-cli.jar kit)");
        }
        return out.substring(mark.length());
    }

    /**
     * The probe's own suppression file ({@code leakgate/leakgate_probe.supp}: the thread it starts),
     * deployed to the board (unchanged ones are not copied again), as a path there.
     */
    static String suppressions(Board board) {
        try (InputStream in = ProbeClient.class.getResourceAsStream("/leakgate/leakgate_probe.supp")) {
            if (in == null) {
                throw new IllegalStateException("leakgate/leakgate_probe.supp is missing from the leakgate jar");
            }
            Path dir = Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir"), "leakgate-"
                    + System.getProperty("user.name", "user")));
            Path supp = dir.resolve("leakgate_probe.supp");
            byte[] text = in.readAllBytes();
            if (!Files.exists(supp) || !Arrays.equals(Files.readAllBytes(supp), text)) {
                Files.write(supp, text);
            }
            return board.deploy("leakgate-probe", List.of(supp)).pathOf(supp);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the probe's suppression file", e);
        }
    }
}
