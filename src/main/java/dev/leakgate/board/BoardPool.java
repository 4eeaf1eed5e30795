package dev.leakgate.board;

import dev.leakgate.board.ssh.BoardException;
import dev.leakgate.config.Settings;
import dev.leakgate.process.MemcheckProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Boards that test classes lease one at a time ({@link Settings#BOARDS}): N emulated boards, or a
 * list of boards (lab boards over SSH, emulated ones). A board is opened at its first lease and
 * kept for the test run; a class holds its lease for its duration, and a class that finds every
 * board busy waits, saying so every {@link #PROGRESS}. A board that cannot be opened (a lab board
 * that is down) is reported and skipped, never waited on; only when none is left does a lease fail.
 * Thread-safe.
 */
public final class BoardPool implements AutoCloseable {

    /** How often a class waiting for a board says so. */
    static final Duration PROGRESS = Duration.ofSeconds(10);
    /** Memory an emulated board needs under valgrind, about (QEMU, valgrind, the program): for the size check. */
    static final long MB_PER_EMULATED_BOARD = 700;

    private final Settings settings;
    private final List<Slot> slots = new ArrayList<>();
    private final Consumer<String> say;

    private static final class Slot {
        final String spec;
        Board board;
        boolean busy;
        String down;

        Slot(String spec) {
            this.spec = spec;
        }
    }

    /** A board held by one class until {@link #close}. */
    public final class Lease implements AutoCloseable {
        private final Slot slot;
        private boolean released;

        private Lease(Slot slot) {
            this.slot = slot;
        }

        public Board board() {
            return slot.board;
        }

        @Override
        public void close() {
            synchronized (BoardPool.this) {
                if (!released) {
                    released = true;
                    slot.busy = false;
                    BoardPool.this.notifyAll();
                }
            }
        }
    }

    private BoardPool(Settings settings, List<String> specs, Consumer<String> say) {
        this.settings = settings;
        this.say = say;
        specs.forEach(s -> slots.add(new Slot(s)));
    }

    /**
     * The pool {@link Settings#BOARDS} describes: a number N (N boards of the kind {@code
     * leakgate.board} names, or {@code defaultBoard}; more than one only for emulated boards) or a
     * comma-separated list of boards. Fails with the fix when the value is wrong or the machine has not
     * the memory for N emulated boards.
     */
    public static BoardPool of(Settings settings, String defaultBoard, Consumer<String> say) {
        String value = settings.get(Settings.BOARDS).orElseThrow(() -> new IllegalArgumentException(
                Settings.BOARDS + " is not set"));
        String source = settings.sourceOf(Settings.BOARDS);
        List<String> specs = new ArrayList<>();
        if (value.trim().matches("[0-9]+")) {
            if (value.trim().length() > 4) {
                throw new IllegalArgumentException(Settings.BOARDS + " = " + value + " (" + source + ") is not a number"
                        + " of boards a machine holds: give a few, or a list of boards");
            }
            int n = Integer.parseInt(value.trim());
            String board = settings.get(Settings.BOARD, defaultBoard);
            if (n < 1) {
                throw new IllegalArgumentException(Settings.BOARDS + " = " + value + " (" + source + ") asks for no"
                        + " board: give 1 or more, or a list of boards");
            }
            if (n > 1 && !(BoardSpec.parse(board, settings.sourceOf(Settings.BOARD)) instanceof BoardSpec.Emulated)) {
                throw new IllegalArgumentException(Settings.BOARDS + " = " + n + " (" + source + ") makes copies of an"
                        + " emulated board, but the board is " + board + ": list the boards instead, e.g. "
                        + Settings.BOARDS + "=ssh://root@camera-1,ssh://root@camera-2");
            }
            for (int i = 0; i < n; i++) {
                specs.add(board);
            }
        } else {
            for (String s : value.split(",")) {
                if (!s.isBlank()) {
                    BoardSpec.parse(s.trim(), source); // a wrong name fails now, naming the setting
                    specs.add(s.trim());
                }
            }
        }
        long emulated = specs.stream().filter(s -> BoardSpec.parse(s, source) instanceof BoardSpec.Emulated).count();
        long available = availableMb();
        if (emulated > 1 && available >= 0 && available < emulated * MB_PER_EMULATED_BOARD) {
            throw new IllegalArgumentException(Settings.BOARDS + " = " + value + " (" + source + ") asks for " + emulated
                    + " emulated boards, about " + emulated * MB_PER_EMULATED_BOARD + " MB under valgrind, but this"
                    + " machine has " + available + " MB available: use at most "
                    + Math.max(1, available / MB_PER_EMULATED_BOARD) + " (JUnit's parallelism gains nothing beyond"
                    + " the machine's cores either)");
        }
        return new BoardPool(settings, specs, say);
    }

    /** MemAvailable in MB, or -1 when this machine does not say (not Linux). */
    private static long availableMb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemAvailable:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not known
        }
        return -1;
    }

    /** How many boards the pool has (down ones included). */
    public int size() {
        return slots.size();
    }

    /**
     * A free board for one class, opened now if it is the first lease of it; waits while every board
     * is busy. {@code who} names the class in the waiting line.
     */
    public Lease lease(String who) {
        long waitingSince = System.nanoTime();
        long lastSaid = waitingSince;
        while (true) {
            Slot toOpen = null;
            Slot reused = null;
            synchronized (this) {
                for (Slot s : slots) {
                    if (!s.busy && s.down == null && s.board != null) {
                        s.busy = true;
                        reused = s;
                        break;
                    }
                }
            }
            if (reused != null) {
                // a board that died since its last class (a container killed, a lab board rebooted) is retired,
                // never leased: its next class would fail "session is down" while another board is free
                String dead = deadOrNull(reused.board);
                if (dead == null) {
                    return new Lease(reused);
                }
                synchronized (this) {
                    reused.down = "died during the test run: " + dead;
                    reused.busy = false;
                    notifyAll();
                }
                say.accept("board " + reused.board + " of " + Settings.BOARDS + " stopped answering (" + dead
                        + "); retired, the other boards go on");
                try {
                    reused.board.close();
                } catch (RuntimeException e) {
                    // it is gone already
                }
                continue;
            }
            synchronized (this) {
                for (Slot s : slots) {
                    if (!s.busy && s.down == null && s.board == null) {
                        s.busy = true;
                        toOpen = s;
                        break;
                    }
                }
                if (toOpen == null) {
                    if (slots.stream().allMatch(s -> s.down != null)) {
                        StringBuilder why = new StringBuilder("no board of " + Settings.BOARDS + " could be opened:");
                        slots.forEach(s -> why.append("\n  - ").append(s.spec).append(": ").append(s.down));
                        throw new BoardException(why.toString());
                    }
                    long now = System.nanoTime();
                    if (now - lastSaid >= PROGRESS.toNanos()) {
                        lastSaid = now;
                        say.accept(who + " waits for a free board: all " + slots.stream()
                                .filter(s -> s.down == null).count() + " are busy (" + (now - waitingSince) / 1_000_000_000
                                + " s so far)");
                    }
                    try {
                        wait(1000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new BoardException("interrupted while waiting for a free board", e);
                    }
                    continue;
                }
            }
            try {
                long start = System.nanoTime();
                Board b = Board.open(settings.with(Settings.BOARD, toOpen.spec, Settings.BOARDS), toOpen.spec);
                say.accept(String.format("board: %s (ready in %.1f s; %d of %d in the pool)", b,
                        (System.nanoTime() - start) / 1e9, slots.indexOf(toOpen) + 1, slots.size()));
                synchronized (this) {
                    toOpen.board = b;
                }
                return new Lease(toOpen);
            } catch (RuntimeException e) {
                synchronized (this) {
                    toOpen.down = String.valueOf(e.getMessage());
                    toOpen.busy = false;
                    notifyAll();
                }
                say.accept("board " + toOpen.spec + " of " + Settings.BOARDS + " is down, skipped: "
                        + e.getMessage());
            }
        }
    }

    /** Why a board that was open no longer answers a short command, or null when it does. */
    private static String deadOrNull(Board board) {
        try {
            MemcheckProcess.ShellResult r = board.shell("echo leakgate-alive", Duration.ofSeconds(20));
            return r.stdout().contains("leakgate-alive") ? null : "'echo' answered '" + r.stdout().strip() + "'"
                    + (r.stderr().isBlank() ? "" : ", " + r.stderr().strip());
        } catch (RuntimeException e) {
            return String.valueOf(e.getMessage());
        }
    }

    /** Closes every board it opened. */
    @Override
    public synchronized void close() {
        for (Slot s : slots) {
            if (s.board != null) {
                try {
                    s.board.close();
                } catch (RuntimeException e) {
                    // the others are closed regardless
                }
                s.board = null;
            }
        }
    }
}
