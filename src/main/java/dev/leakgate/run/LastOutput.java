package dev.leakgate.run;

import dev.leakgate.process.RunFiles;
import dev.leakgate.process.Tails;

/**
 * The words a session's errors end with: the last lines of the program's stdout (the kit's reply
 * tokens taken out) and stderr, and every raw file of the run by name.
 */
final class LastOutput {

    private LastOutput() {
    }

    /** "; its last output: ..." from the run's stdout and stderr, with its raw files named, for messages. */
    static String of(RunFiles files) {
        String out = Tails.lastLines(files.stdout(), 8, 16 * 1024).replaceAll("@[0-9a-f]{16} ", "");
        String err = Tails.lastLines(files.stderr(), 8, 16 * 1024);
        StringBuilder s = new StringBuilder();
        if (!out.isBlank()) {
            s.append("\nits stdout ends with:\n").append(out.indent(4).stripTrailing());
        }
        if (!err.isBlank()) {
            s.append("\nits stderr ends with:\n").append(err.indent(4).stripTrailing());
        }
        if (s.length() == 0) {
            s.append("; it wrote nothing");
        }
        // every raw file by name, as a plain run's verdict names them (the page is written beside them)
        return s.append("\nRaw files (kept), the report page beside them in ").append(files.folder())
                .append(":\n").append(files.describe()).toString();
    }
}
