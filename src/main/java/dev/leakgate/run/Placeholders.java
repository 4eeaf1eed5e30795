package dev.leakgate.run;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where things are on the board, for a program's arguments, environment, working folder and stop
 * command, which are written before anyone knows the board: {@code ${board.dir}} is the folder the
 * program and its libraries were deployed to, {@code ${board.files}} the folder its data files
 * (config, certificates) landed in. A name that is not one of these is refused, naming it, so that
 * a misspelt placeholder never reaches the program as text.
 */
public final class Placeholders {

    /** The folder of the deployed program and its libraries. */
    public static final String BOARD_DIR = "board.dir";
    /** The folder the data files travelled to (see {@code files} on {@code @ValgrindOnBoard}). */
    public static final String BOARD_FILES = "board.files";

    private static final Pattern REFERENCE = Pattern.compile("\\$\\{([^}]*)}");

    private final Map<String, String> values;

    private Placeholders(Map<String, String> values) {
        this.values = values;
    }

    /**
     * The placeholders of one deployment: {@code boardFiles} is null when no data files travelled,
     * and then {@code ${board.files}} is refused with the setting that brings them.
     */
    public static Placeholders of(String boardDir, String boardFiles) {
        Map<String, String> v = new LinkedHashMap<>();
        v.put(BOARD_DIR, boardDir);
        v.put(BOARD_FILES, boardFiles);
        return new Placeholders(v);
    }

    /**
     * Why a text cannot be expanded, without expanding it (the checks of a configuration before
     * anything runs): unknown names, and {@code ${board.files}} without data files. Empty when it can.
     */
    public static List<String> problems(String text, String where, boolean hasFiles) {
        List<String> problems = new ArrayList<>();
        Matcher m = REFERENCE.matcher(text);
        while (m.find()) {
            String name = m.group(1);
            if (!name.equals(BOARD_DIR) && !name.equals(BOARD_FILES)) {
                problems.add(where + " names the placeholder ${" + name + "}, which leakgate does not know: use ${"
                        + BOARD_DIR + "} (the folder of the program and its libraries on the board) or ${"
                        + BOARD_FILES + "} (the folder its data files travelled to)");
            } else if (name.equals(BOARD_FILES) && !hasFiles) {
                problems.add(where + " names ${" + BOARD_FILES + "}, but no data files travel with the program: name"
                        + " their local folder in files");
            }
        }
        return problems;
    }

    /** The text with each placeholder replaced; throws with the problems when a name is not known. */
    public String expand(String text, String where) {
        List<String> problems = problems(text, where, values.get(BOARD_FILES) != null);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
        Matcher m = REFERENCE.matcher(text);
        StringBuilder s = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(s, Matcher.quoteReplacement(values.get(m.group(1))));
        }
        m.appendTail(s);
        return s.toString();
    }

    /** Each text expanded ({@link #expand}). */
    public List<String> expand(List<String> texts, String where) {
        List<String> out = new ArrayList<>(texts.size());
        for (String t : texts) {
            out.add(expand(t, where));
        }
        return out;
    }
}
