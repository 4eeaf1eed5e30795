package dev.leakgate.board;

import dev.leakgate.board.emulated.EmulatedBoard;
import dev.leakgate.board.ssh.SshBoard;
import dev.leakgate.board.ssh.SshTarget;
import dev.leakgate.testing.OpenSshAccess;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The board benchmark, measured in one run on this machine (see scripts/bench-board.sh):
 * each emulated board's cold start to SSH-ready (the Debian one, the bare dropbear one, armhf, the system
 * board's boot); the first
 * deploy of a large unstripped library by leakgate over each file path (SFTP, scp, checked stream)
 * against OpenSSH's scp and sftp to the same board; an unchanged redeploy.
 *
 * <p>Usage: {@code BoardBenchmark LIBRARY.so}
 */
public final class BoardBenchmark {

    public static void main(String[] args) throws Exception {
        Path library = Path.of(args[0]);
        double mb = Files.size(library) / 1e6;

        List<Double> starts = new ArrayList<>();
        List<Double> bareStarts = new ArrayList<>();
        List<Double> armhfStarts = new ArrayList<>();
        List<Double> systemStarts = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            try (EmulatedBoard b = EmulatedBoard.start()) {
                starts.add(b.startup().toNanos() / 1e9);
            }
            try (EmulatedBoard b = EmulatedBoard.start(new BoardSpec.Emulated("aarch64-bare").image())) {
                bareStarts.add(b.startup().toNanos() / 1e9);
            }
            try (EmulatedBoard b = EmulatedBoard.start(new BoardSpec.Emulated("armhf").image())) {
                armhfStarts.add(b.startup().toNanos() / 1e9);
            }
            try (EmulatedBoard b = EmulatedBoard.start(new BoardSpec.Emulated("aarch64-system").image())) {
                systemStarts.add(b.startup().toNanos() / 1e9);
            }
        }

        try (EmulatedBoard emulated = EmulatedBoard.start()) {
            SshBoard board = emulated.board();
            SshTarget t = board.target();
            Path dir = Files.createTempDirectory("leakgate-bench");
            List<String> ssh = OpenSshAccess.write(emulated, dir).options();
            Path batch = Files.writeString(dir.resolve("batch"), "put " + library + " /tmp/bench-sftp/lib.so\n");

            String[] ways = {"sftp", "scp", "stream"};
            double[] leakgateBy = {Double.MAX_VALUE, Double.MAX_VALUE, Double.MAX_VALUE};
            double scp = Double.MAX_VALUE;
            double sftp = Double.MAX_VALUE;
            for (int round = 0; round < 3; round++) {
                board.run("rm -rf /tmp/bench-*; mkdir -p /tmp/bench-scp /tmp/bench-sftp", Duration.ofSeconds(30));
                scp = Math.min(scp, time(command("scp", ssh, "-P", String.valueOf(t.port()), library.toString(),
                        "root@" + t.host() + ":/tmp/bench-scp/lib.so")));
                sftp = Math.min(sftp, time(command("sftp", ssh, "-P", String.valueOf(t.port()), "-b", batch.toString(),
                        "root@" + t.host())));
                for (int w = 0; w < ways.length; w++) { // each file path leakgate has, same board, same round
                    board.files().useFileTransfer(ways[w]);
                    board.run("rm -rf /tmp/bench-leakgate", Duration.ofSeconds(30));
                    long start = System.nanoTime();
                    if (!board.files().upload(library, "/tmp/bench-leakgate", "lib.so")) {
                        throw new IllegalStateException("the first deploy was skipped");
                    }
                    leakgateBy[w] = Math.min(leakgateBy[w], (System.nanoTime() - start) / 1e9);
                }
            }
            board.files().useFileTransfer("auto");
            double leakgate = leakgateBy[0];
            List<Double> redeploys = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                long start = System.nanoTime();
                if (board.files().upload(library, "/tmp/bench-leakgate", "lib.so")) {
                    throw new IllegalStateException("an unchanged redeploy copied the file");
                }
                redeploys.add((System.nanoTime() - start) / 1e9);
            }
            board.run("rm -rf /tmp/bench-*", Duration.ofSeconds(30));

            Collections.sort(starts);
            Collections.sort(redeploys);
            Collections.sort(bareStarts);
            Collections.sort(armhfStarts);
            Collections.sort(systemStarts);
            System.out.printf("emulated board, cold start to SSH-ready: median %.2f s, best %.2f s of %d (goal <= 3 s)%n",
                    starts.get(1), starts.get(0), starts.size());
            System.out.printf("bare board (dropbear), cold start to SSH-ready: median %.2f s, best %.2f s of %d%n",
                    bareStarts.get(1), bareStarts.get(0), bareStarts.size());
            System.out.printf("armhf board, cold start to SSH-ready: median %.2f s, best %.2f s of %d%n",
                    armhfStarts.get(1), armhfStarts.get(0), armhfStarts.size());
            System.out.printf("system board (qemu-system-aarch64, its own kernel), boot to SSH-ready: median %.2f s, best"
                    + " %.2f s of %d (goal <= 20 s), %.1fx the emulated board's%n", systemStarts.get(1), systemStarts.get(0),
                    systemStarts.size(), systemStarts.get(1) / starts.get(1));
            System.out.printf("first deploy of %.0f MB: leakgate %.2f s (%.1f MB/s), scp %.2f s (%.1f MB/s), sftp %.2f s"
                    + " (%.1f MB/s)%n", mb, leakgate, mb / leakgate, scp, mb / scp, sftp, mb / sftp);
            System.out.printf("leakgate vs OpenSSH: %.2fx scp, %.2fx sftp (goal >= 0.8x)%n", scp / leakgate,
                    sftp / leakgate);
            for (int w = 0; w < ways.length; w++) {
                System.out.printf("first deploy over %s: %.2f s (%.1f MB/s), %.2fx OpenSSH scp%n", ways[w],
                        leakgateBy[w], mb / leakgateBy[w], scp / leakgateBy[w]);
            }
            System.out.printf("unchanged redeploy: median %.3f s, best %.3f s of %d (goal <= 0.3 s)%n",
                    redeploys.get(2), redeploys.get(0), redeploys.size());
        }
    }

    private static List<String> command(String tool, List<String> options, String... rest) {
        List<String> c = new ArrayList<>();
        c.add(tool);
        c.addAll(options);
        c.addAll(List.of(rest));
        return c;
    }

    private static double time(List<String> command) throws IOException, InterruptedException {
        long start = System.nanoTime();
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(600, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
        }
        return (System.nanoTime() - start) / 1e9;
    }
}
