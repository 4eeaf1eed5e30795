package dev.leakgate.process;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Quoting for a POSIX shell ({@code sh -c}), so that a name or path reaches the program as one
 * argument, byte for byte, whatever it holds: spaces, quotes, {@code ;}, {@code $()}, backticks,
 * newlines.
 */
public final class ShellQuoting {

    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9_@%+=:,./-]+");
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private ShellQuoting() {
    }

    /**
     * One word for the shell: left as it is when it holds only characters the shell does not
     * interpret, else in single quotes, each {@code '} written as {@code '\''}.
     */
    public static String quote(String word) {
        if (word.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("A shell word cannot hold a NUL character: "
                    + word.replace("\0", "\\0"));
        }
        if (!word.isEmpty() && SAFE.matcher(word).matches()) {
            return word;
        }
        return "'" + word.replace("'", "'\\''") + "'";
    }

    /** The words, each quoted, separated by spaces. */
    public static String join(List<String> words) {
        StringBuilder s = new StringBuilder();
        for (String w : words) {
            if (s.length() > 0) {
                s.append(' ');
            }
            s.append(quote(w));
        }
        return s.toString();
    }

    /**
     * One line for {@code sh -c}: {@code cd DIR && export NAME=VALUE... && exec ARGV}, every word
     * quoted. The shell's pid becomes the program's, so a signal to it reaches the program.
     *
     * @param dir the working directory, or null to stay where the shell starts
     */
    public static String execLine(String dir, Map<String, String> env, List<String> argv) {
        StringBuilder s = new StringBuilder();
        if (dir != null) {
            s.append("cd ").append(quote(dir)).append(" && ");
        }
        if (!env.isEmpty()) {
            s.append("export");
            env.forEach((k, v) -> s.append(' ').append(requireEnvName(k)).append('=').append(quote(v)));
            s.append(" && ");
        }
        return s.append("exec ").append(join(argv)).toString();
    }

    /** Checks that a name can be an environment variable's: a shell cannot quote a name. */
    public static String requireEnvName(String name) {
        if (!ENV_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("'" + name + "' cannot be an environment variable name: use"
                    + " letters, digits and '_', not starting with a digit");
        }
        return name;
    }
}
