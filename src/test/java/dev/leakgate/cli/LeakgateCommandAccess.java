package dev.leakgate.cli;

import java.io.PrintStream;

/** Lets tests of other packages run the command line tool in this JVM. */
public final class LeakgateCommandAccess {

    private LeakgateCommandAccess() {
    }

    public static int execute(String[] args, PrintStream out, PrintStream err) {
        return LeakgateCommand.execute(args, out, err);
    }
}
