package dev.leakgate.board;

import dev.leakgate.board.ssh.SshBoard;
import dev.leakgate.process.RunIdentity;
import dev.leakgate.process.ShellQuoting;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Removes what runs left on a board when the JVM that owned them died before it could clean up
 * (kill -9, a crash, a lost CI runner): their processes (valgrind and whatever the program started,
 * found by the run's id) and their run folders. Each run folder holds an owner record (the owner
 * JVM, and the seconds after which the run is over in any case); a run is left behind when its owner
 * is a JVM on this machine that is gone, or when it is older than that limit. Runs of live JVMs,
 * here or on other machines, are never touched.
 */
public final class BoardReaper {

    /** The owner record in each run folder on a board. */
    static final String OWNER_FILE = "owner";
    /** A run folder without an owner record (from an older leakgate) is left behind after this. */
    private static final long UNOWNED_LIMIT_SECONDS = 3600;

    private BoardReaper() {
    }

    /** Reaps the runs under {@code remoteRoot}/runs; returns a line for each run removed. */
    public static List<String> reap(SshBoard board, String remoteRoot) {
        String runs = ShellQuoting.quote(remoteRoot + "/runs");
        String list = "echo \"now=$(date +%s)\"; for d in " + runs + "/*/; do [ -d \"$d\" ] || continue; o=; l=;"
                + " [ -f \"${d}" + OWNER_FILE + "\" ] && read o l < \"${d}" + OWNER_FILE + "\";"
                + " echo \"run=$(stat -c %Y \"$d\" 2>/dev/null) $d $o $l\"; done";
        String out = board.run(list, Duration.ofSeconds(30)).stdout();
        long now = -1;
        List<String[]> stale = new ArrayList<>();
        for (String line : out.split("\n")) {
            if (line.startsWith("now=")) {
                now = parse(line.substring(4));
            }
        }
        for (String line : out.split("\n")) {
            if (!line.startsWith("run=")) {
                continue;
            }
            String[] f = line.substring(4).trim().split(" ");
            if (f.length < 2 || now < 0) {
                continue;
            }
            long made = parse(f[0]);
            String folder = f[1].endsWith("/") ? f[1].substring(0, f[1].length() - 1) : f[1];
            String owner = f.length > 2 ? f[2] : "";
            long limit = f.length > 3 ? parse(f[3]) : -1;
            boolean left = owner.isEmpty() ? made > 0 && now - made > UNOWNED_LIMIT_SECONDS
                    : RunIdentity.isDeadLocalOwner(owner) || (limit > 0 && made > 0 && now - made > limit);
            if (left) {
                stale.add(new String[] {folder, owner.isEmpty() ? "no owner record" : owner});
            }
        }
        List<String> removed = new ArrayList<>();
        for (String[] run : stale) {
            String folder = run[0];
            String id = folder.substring(folder.lastIndexOf('-') + 1);
            String strays = id.matches("[0-9a-f]{24}") ? BoardMemcheckRunner.endStrays(id) + "; " : "";
            String q = ShellQuoting.quote(folder);
            String kill = "p=; read p < " + q + "/.pid 2>/dev/null; [ -n \"$p\" ] && kill -s KILL -- -$p 2>/dev/null"
                    + " && echo \"group=$p\"; " + strays + "rm -rf " + q;
            String killed = board.run(kill, Duration.ofSeconds(30)).stdout().strip().replace('\n', ' ');
            removed.add("removed the run " + folder + " left on " + board.name() + " by a leakgate that is gone ("
                    + run[1] + ")" + (killed.isEmpty() ? "" : "; ended " + killed));
        }
        return removed;
    }

    private static long parse(String s) {
        try {
            return Long.parseLong(s.strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
