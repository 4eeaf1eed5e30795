package dev.leakgate.gate;

import dev.leakgate.memcheck.Amount;
import dev.leakgate.memcheck.LeakKind;
import dev.leakgate.memcheck.LeakRecord;
import dev.leakgate.memcheck.MemcheckError;
import dev.leakgate.process.ProcessReport;

import java.util.List;

/** A limit a run went over. */
public sealed interface Violation {

    /** One line for the verdict, e.g. "definitely lost: 132 bytes in 2 blocks (limit 0 bytes)". */
    String describe();

    /**
     * A leak kind over its byte limit; {@code records} are its retained records that no known leak
     * accepts, largest first; {@code knownBytes} are the bytes the baseline accepted.
     */
    record Leak(LeakKind kind, Amount amount, long limitBytes, List<LeakRecord> records, long knownBytes,
                long heldBytes) implements Violation {
        public Leak {
            records = List.copyOf(records);
        }

        /** A leak without the bytes its blocks hold indirectly. */
        public Leak(LeakKind kind, Amount amount, long limitBytes, List<LeakRecord> records, long knownBytes) {
            this(kind, amount, limitBytes, records, knownBytes, 0);
        }

        @Override
        public String describe() {
            return kind.label() + ": " + amount + (heldBytes > 0 ? ", holding " + heldBytes
                    + " bytes indirectly lost" : "") + (knownBytes > 0 ? ", " + knownBytes + " of them known" : "")
                    + " (limit " + limitBytes + " bytes)";
        }
    }

    /** A known leak of the baseline that grew past its budget. */
    record KnownLeakOverBudget(KnownLeaks.Entry entry, long bytes, List<LeakRecord> records) implements Violation {
        public KnownLeakOverBudget {
            records = List.copyOf(records);
        }

        @Override
        public String describe() {
            return "known leak '" + String.join(" < ", entry.functions()) + "' (" + entry.kind().label() + ") is over"
                    + " its budget: " + bytes + " bytes (budget " + entry.budgetBytes() + ")";
        }
    }

    /** Memcheck errors of a kind the gate fails on. */
    record Errors(String kindName, List<MemcheckError> errors) implements Violation {
        public Errors {
            errors = List.copyOf(errors);
        }

        @Override
        public String describe() {
            return kindName + ": " + errors.size() + (errors.size() == 1 ? " error" : " errors") + " (limit 0)";
        }
    }

    /**
     * Limits a process the program started went over, judged on that process's own report
     * ({@link ProcessReport}): a forked worker, a helper it exec'd.
     */
    record InProcess(ProcessReport process, Verdict verdict) implements Violation {
        @Override
        public String describe() {
            StringBuilder s = new StringBuilder();
            for (Violation v : verdict.violations()) {
                s.append(s.length() == 0 ? "" : "; ").append(v.describe());
            }
            return "in " + process.describe() + ": " + s;
        }
    }
}
