package dev.leakgate.gate;

import dev.leakgate.memcheck.Frame;
import dev.leakgate.memcheck.LeakKind;
import dev.leakgate.memcheck.LeakRecord;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A baseline of accepted leaks, kept in the user's repository: each entry names a leak kind, a
 * byte budget and a stack fingerprint, the functions of the allocation stack from the first frame
 * past the allocator, innermost first. Fingerprints leave out addresses and line numbers, so a
 * rebuild or an edit above the leak does not break them. A file reads:
 *
 * <pre>
 * # leakgate known leaks: KIND BUDGET_BYTES FUNCTION &lt; CALLER &lt; ...
 * definitely_lost 4096 sdk_cache_create &lt; vendor_sdk_init &lt; main
 * </pre>
 *
 * A record matches an entry of its kind whose functions begin its fingerprint. Matching records
 * are accepted while their bytes stay within the entry's budget; beyond it the entry fails;
 * entries that match nothing are stale.
 */
public final class KnownLeaks {

    /** Frames of a fingerprint written by {@link #write}. */
    public static final int FINGERPRINT_FRAMES = 4;

    private static final Set<String> ALLOCATORS = Set.of("malloc", "calloc", "realloc", "reallocarray", "strdup",
            "strndup", "memalign", "posix_memalign", "aligned_alloc", "valloc", "operator new(unsigned long)",
            "operator new[](unsigned long)", "operator new", "operator new[]");

    /** One accepted leak. */
    public record Entry(LeakKind kind, long budgetBytes, List<String> functions) {
        public Entry {
            functions = List.copyOf(functions);
        }

        @Override
        public String toString() {
            return kind.name().toLowerCase(Locale.ROOT) + " " + budgetBytes + " " + String.join(" < ", functions);
        }
    }

    private final Path file;
    private final List<Entry> entries;

    private KnownLeaks(Path file, List<Entry> entries) {
        this.file = file;
        this.entries = List.copyOf(entries);
    }

    public List<Entry> entries() {
        return entries;
    }

    public Path file() {
        return file;
    }

    /** Reads a baseline; a missing file is an empty baseline. Bad lines are errors that name the line. */
    public static KnownLeaks read(Path file) {
        List<Entry> entries = new ArrayList<>();
        if (!Files.isRegularFile(file)) {
            return new KnownLeaks(file, entries);
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the known-leak baseline " + file, e);
        }
        for (int n = 1; n <= lines.size(); n++) {
            String line = lines.get(n - 1).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\\s+", 3);
            try {
                if (f.length < 3) {
                    throw new IllegalArgumentException("it needs KIND BUDGET_BYTES FUNCTION < CALLER ...");
                }
                long budget = Long.parseLong(f[1]);
                if (budget < 0) {
                    throw new IllegalArgumentException("the budget must be >= 0 bytes");
                }
                List<String> functions = new ArrayList<>();
                for (String fn : f[2].split("<")) {
                    if (!fn.isBlank()) {
                        functions.add(fn.strip());
                    }
                }
                entries.add(new Entry(LeakKind.parse(f[0]), budget, functions));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(file + " line " + n + " is not a known leak ('" + line + "'): "
                        + e.getMessage() + "; e.g. definitely_lost 4096 sdk_cache_create < vendor_sdk_init", e);
            }
        }
        return new KnownLeaks(file, entries);
    }

    /** The functions of a record's allocation stack past the allocator, innermost first. */
    public static List<String> fingerprint(LeakRecord r) {
        List<String> fns = new ArrayList<>();
        for (Frame f : r.stack()) {
            String fn = f.fn() != null ? f.fn() : f.ipHex();
            if (fns.isEmpty() && (ALLOCATORS.contains(fn) || (f.obj() != null && f.obj().contains("vgpreload")))) {
                continue;
            }
            fns.add(fn);
        }
        return fns;
    }

    /** What the baseline makes of a leak check: accepted records per entry, over-budget entries, stale ones. */
    public record Match(Map<Entry, List<LeakRecord>> accepted, Map<Entry, List<LeakRecord>> overBudget,
                        List<Entry> stale) {
        /** Bytes of accepted records of a kind: taken off that kind's total by the gate. */
        public long acceptedBytes(LeakKind kind) {
            long sum = 0;
            for (Map.Entry<Entry, List<LeakRecord>> e : accepted.entrySet()) {
                if (e.getKey().kind() == kind) {
                    for (LeakRecord r : e.getValue()) {
                        sum += r.directBytes();
                    }
                }
            }
            return sum;
        }

        public boolean isAccepted(LeakRecord r) {
            return accepted.values().stream().anyMatch(list -> list.contains(r));
        }
    }

    public Match match(List<LeakRecord> records) {
        Map<Entry, List<LeakRecord>> matched = new LinkedHashMap<>();
        for (LeakRecord r : records) {
            List<String> fp = fingerprint(r);
            for (Entry e : entries) {
                if (e.kind() == r.kind() && fp.size() >= e.functions().size()
                        && fp.subList(0, e.functions().size()).equals(e.functions())) {
                    matched.computeIfAbsent(e, k -> new ArrayList<>()).add(r);
                    break;
                }
            }
        }
        Map<Entry, List<LeakRecord>> accepted = new LinkedHashMap<>();
        Map<Entry, List<LeakRecord>> over = new LinkedHashMap<>();
        List<Entry> stale = new ArrayList<>();
        for (Entry e : entries) {
            List<LeakRecord> rs = matched.getOrDefault(e, List.of());
            long bytes = rs.stream().mapToLong(LeakRecord::directBytes).sum();
            if (rs.isEmpty()) {
                stale.add(e);
            } else if (bytes <= e.budgetBytes()) {
                accepted.put(e, rs);
            } else {
                over.put(e, rs);
            }
        }
        return new Match(accepted, over, stale);
    }

    /**
     * Writes a baseline accepting the lost records of these kinds as they are now (budget: their
     * bytes), one entry per distinct fingerprint of {@link #FINGERPRINT_FRAMES} frames.
     */
    public static KnownLeaks write(Path file, List<LeakRecord> records, Set<LeakKind> kinds) {
        Map<String, Entry> byKey = new LinkedHashMap<>();
        for (LeakRecord r : records) {
            if (!kinds.contains(r.kind())) {
                continue;
            }
            List<String> fp = fingerprint(r);
            List<String> fns = fp.subList(0, Math.min(FINGERPRINT_FRAMES, fp.size()));
            String key = r.kind() + " " + fns;
            Entry old = byKey.get(key);
            long bytes = (old == null ? 0 : old.budgetBytes()) + r.directBytes();
            byKey.put(key, new Entry(r.kind(), bytes, fns));
        }
        StringBuilder s = new StringBuilder("# leakgate known leaks: KIND BUDGET_BYTES FUNCTION < CALLER < ...\n"
                + "# written from a run with -Dleakgate.baseline.update=true; edit budgets and remove fixed leaks by hand\n");
        byKey.values().forEach(e -> s.append(e).append('\n'));
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(file, s);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the known-leak baseline " + file, e);
        }
        return new KnownLeaks(file, new ArrayList<>(byKey.values()));
    }
}
