package dev.leakgate.process;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A program run under valgrind memcheck, as leakgate needs it: {@code --tool=memcheck
 * --leak-check=full --show-leak-kinds=all}, XML (and a log) written to given files, with the
 * user's suppressions and extra options, a valgrind that may live in a custom prefix (a
 * cross-compiled valgrind runs as {@code VALGRIND_LIB=<prefix>/libexec/valgrind
 * <prefix>/bin/valgrind}), and an environment for the program (e.g. {@code LD_LIBRARY_PATH} for
 * deployed libraries).
 *
 * <p>Rendered as an argv and an environment for a local process ({@link #argv()},
 * {@link #environment()}), or as one line for a remote POSIX shell ({@link #shellCommand()}), where
 * every word is quoted so that no name or path can inject shell.
 *
 * <p>Built with {@link #builder(String)}; immutable.
 */
public final class MemcheckCommand {

    /** The environment variable that marks every process of a run with its identity (see {@link Builder#runId}). */
    public static final String RUN_ID_VARIABLE = "LEAKGATE_RUN";
    /** The prefix of the {@code --xml-user-comment} that carries a run's identity. */
    public static final String RUN_ID_COMMENT = "leakgate-run:";

    private final String valgrind;
    private final String valgrindLib;
    private final String program;
    private final List<String> programArgs;
    private final boolean undefValueErrors;
    private final int numCallers;
    private final List<String> suppressions;
    private final List<String> extraOptions;
    private final String xmlFile;
    private final String logFile;
    private final String workingDirectory;
    private final Map<String, String> programEnvironment;
    private final String runId;
    private final Map<String, String> secrets;

    private MemcheckCommand(Builder b) {
        this.valgrind = b.valgrind;
        this.valgrindLib = b.valgrindLib;
        this.program = b.program;
        this.programArgs = List.copyOf(b.programArgs);
        this.undefValueErrors = b.undefValueErrors;
        this.numCallers = b.numCallers;
        this.suppressions = List.copyOf(b.suppressions);
        this.extraOptions = List.copyOf(b.extraOptions);
        this.xmlFile = b.xmlFile;
        this.logFile = b.logFile;
        this.workingDirectory = b.workingDirectory;
        this.programEnvironment = Map.copyOf(b.environment);
        this.runId = b.runId;
        this.secrets = Map.copyOf(b.secrets);
    }

    /** A command that runs this program (a path, or a name found on PATH) under memcheck. */
    public static Builder builder(String program) {
        return new Builder(program);
    }

    /** valgrind's options, in the order they are passed. */
    public List<String> valgrindOptions() {
        List<String> o = new ArrayList<>();
        o.add("--tool=memcheck");
        o.add("--leak-check=full");
        o.add("--show-leak-kinds=all");
        o.add("--undef-value-errors=" + (undefValueErrors ? "yes" : "no"));
        o.add("--num-callers=" + numCallers);
        // every process the program starts is followed and writes a report of its own (%p: its pid);
        // the log's name has no %p: valgrind 3.19 reopens only the first of the two files whose name
        // has one in a forked child (m_libcprint.c), and the XML is the one that must be apart
        o.add("--trace-children=yes");
        o.add("--child-silent-after-fork=no");
        for (String s : suppressions) {
            o.add("--suppressions=" + s);
        }
        o.addAll(extraOptions);
        if (runId != null) {
            o.add("--xml-user-comment=" + RUN_ID_COMMENT + runId);
        }
        o.add("--xml=yes");
        o.add("--xml-file=" + processXmlPattern(xmlFile));
        o.add("--log-file=" + fileNameOption(logFile));
        return o;
    }

    /**
     * The XML file of one process of the run: {@link #xmlFile()} with the pid before its {@code .xml}
     * ({@code memcheck.xml} -> {@code memcheck.1234.xml}). The program's own process writes the one of
     * its pid; each process it starts, the one of its own.
     */
    public String xmlFileOf(long pid) {
        return processFile(xmlFile, Long.toString(pid));
    }

    /**
     * A second name for the file valgrind opens for the program's own report, made by the runner as
     * the run starts ({@code .memcheck-own.xml} beside it): a program that unlinks or renames its
     * report and writes a forged one in its place cannot reach the file valgrind writes through this
     * name unless it finds and removes it too, which leakgate then sees.
     */
    public String keptXmlFile() {
        int slash = xmlFile.lastIndexOf('/');
        return (slash < 0 ? "" : xmlFile.substring(0, slash + 1)) + ".memcheck-own.xml";
    }

    /** The part of a process's XML file name before its pid ({@code memcheck.}), for listing them. */
    public String xmlFilePrefix() {
        String name = xmlFile.substring(xmlFile.lastIndexOf('/') + 1);
        return name.endsWith(".xml") ? name.substring(0, name.length() - 4) + "." : name + ".";
    }

    private static String processFile(String path, String pid) {
        return path.endsWith(".xml") ? path.substring(0, path.length() - 4) + "." + pid + ".xml" : path + "." + pid;
    }

    private static String processXmlPattern(String path) {
        return processFile(fileNameOption(path), "%p");
    }

    /** valgrind treats {@code %p}, {@code %q{VAR}} in file names as patterns: keep names literal. */
    private static String fileNameOption(String path) {
        return path.replace("%", "%%");
    }

    /** The whole argv for a local process: valgrind, its options, the program and its arguments. */
    public List<String> argv() {
        List<String> argv = new ArrayList<>();
        argv.add(valgrind);
        argv.addAll(valgrindOptions());
        argv.add(program.startsWith("-") ? "./" + program : program);
        argv.addAll(programArgs);
        return argv;
    }

    /** Variables to add to the process environment: {@code VALGRIND_LIB} and the program's own. */
    public Map<String, String> environment() {
        Map<String, String> env = new LinkedHashMap<>();
        if (valgrindLib != null) {
            env.put("VALGRIND_LIB", valgrindLib);
        }
        env.putAll(new TreeMap<>(programEnvironment));
        new TreeMap<>(secrets).keySet().forEach(v -> env.put(v, secretFile(v)));
        if (runId != null) {
            env.put(RUN_ID_VARIABLE, runId);
        }
        return env;
    }

    /**
     * The secrets the program's run gets ({@link Builder#secret}): by variable, the value its file
     * holds. Runners write each file (mode 0600) just before the program starts; the program reads
     * it and removes it.
     */
    public Map<String, String> secrets() {
        return secrets;
    }

    /** A line with each secret's value replaced by {@code (secret)}: what the run's files may keep. */
    public String redacted(String line) {
        String out = line;
        for (String value : secrets.values()) {
            out = out.replace(value, "(secret)");
        }
        return out;
    }

    /** Where the secret for this variable is written: beside the XML file, in the run's folder. */
    public String secretFile(String variable) {
        int slash = xmlFile.lastIndexOf('/');
        return (slash < 0 ? "" : xmlFile.substring(0, slash + 1)) + ".secret-" + variable;
    }

    /** The run's identity (see {@link Builder#runId}), or null when it has none. */
    public String runId() {
        return runId;
    }

    /**
     * One line for a POSIX shell ({@code sh -c} on a board): changes to the working directory if
     * one is set, exports the environment, then {@code exec}s valgrind, so that the shell's pid
     * becomes valgrind's and a signal to it reaches the program. Every word is quoted.
     */
    public String shellCommand() {
        StringBuilder secretFiles = new StringBuilder();
        // printf is a shell builtin: the value is in no program's command line; the subshell's umask keeps
        // the file the owner's alone
        new TreeMap<>(secrets).forEach((v, value) -> secretFiles.append("(umask 077 && printf '%s' ")
                .append(ShellQuoting.quote(value)).append(" > ").append(ShellQuoting.quote(secretFile(v))).append(") && "));
        return secretFiles + ShellQuoting.execLine(workingDirectory, environment(), argv());
    }

    public String valgrind() {
        return valgrind;
    }

    /**
     * valgrind as a POSIX shell starts it for this command, with {@code VALGRIND_LIB} when it has one
     * ({@code VALGRIND_LIB='/opt/vg/libexec/valgrind' '/opt/vg/bin/valgrind'}): for asking valgrind
     * itself, such as its {@code --version}, where the program runs.
     */
    public String valgrindShellWords() {
        return (valgrindLib == null ? "" : "VALGRIND_LIB=" + ShellQuoting.quote(valgrindLib) + " ")
                + ShellQuoting.quote(valgrind);
    }

    public String program() {
        return program;
    }

    public List<String> programArgs() {
        return programArgs;
    }

    public String xmlFile() {
        return xmlFile;
    }

    public String logFile() {
        return logFile;
    }

    /** The directory the program runs in, or null for the caller's choice. */
    public String workingDirectory() {
        return workingDirectory;
    }

    /** A builder holding this command's settings, to change some of them. */
    public Builder toBuilder() {
        Builder b = new Builder(program);
        b.valgrind = valgrind;
        b.valgrindLib = valgrindLib;
        b.programArgs.addAll(programArgs);
        b.undefValueErrors = undefValueErrors;
        b.numCallers = numCallers;
        b.suppressions.addAll(suppressions);
        b.extraOptions.addAll(extraOptions);
        b.xmlFile = xmlFile;
        b.logFile = logFile;
        b.workingDirectory = workingDirectory;
        b.environment.putAll(programEnvironment);
        b.runId = runId;
        b.secrets.putAll(secrets);
        return b;
    }

    @Override
    public String toString() {
        return redacted(shellCommand());
    }

    /** Builds a {@link MemcheckCommand}; checks each setting as it is given. */
    public static final class Builder {
        private String valgrind = "valgrind";
        private String valgrindLib;
        private final String program;
        private final List<String> programArgs = new ArrayList<>();
        private boolean undefValueErrors;
        private int numCallers = 30;
        private final List<String> suppressions = new ArrayList<>();
        private final List<String> extraOptions = new ArrayList<>();
        private String xmlFile = "memcheck.xml";
        private String logFile = "memcheck.log";
        private String workingDirectory;
        private final Map<String, String> environment = new LinkedHashMap<>();
        private String runId;
        private final Map<String, String> secrets = new LinkedHashMap<>();

        private Builder(String program) {
            this.program = requireText(program, "program");
        }

        /** The valgrind executable: a name on PATH (the default, "valgrind") or a path. */
        public Builder valgrind(String executable) {
            this.valgrind = requireText(executable, "valgrind");
            return this;
        }

        /**
         * A valgrind installed in a custom prefix: runs {@code <prefix>/bin/valgrind} with
         * {@code VALGRIND_LIB=<prefix>/libexec/valgrind}, as a cross-compiled valgrind needs.
         */
        public Builder valgrindPrefix(String prefix) {
            String p = requireText(prefix, "valgrind prefix");
            String base = p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
            this.valgrind = base + "/bin/valgrind";
            this.valgrindLib = base + "/libexec/valgrind";
            return this;
        }

        /** {@code VALGRIND_LIB}: where valgrind finds its tools, for a valgrind not where it was built for. */
        public Builder valgrindLib(String dir) {
            this.valgrindLib = dir == null ? null : requireText(dir, "VALGRIND_LIB");
            return this;
        }

        /** Arguments for the program. */
        public Builder args(String... args) {
            return args(List.of(args));
        }

        /** Arguments for the program. */
        public Builder args(List<String> args) {
            for (String a : args) {
                programArgs.add(Objects.requireNonNull(a, "a program argument is null"));
            }
            return this;
        }

        /**
         * Whether memcheck reports uses of undefined values ({@code --undef-value-errors});
         * default no: a leak gate does not need them and runs faster without.
         */
        public Builder undefValueErrors(boolean report) {
            this.undefValueErrors = report;
            return this;
        }

        /** Frames per stack ({@code --num-callers}, 1 to 500); default 30. */
        public Builder numCallers(int frames) {
            if (frames < 1 || frames > 500) {
                throw new IllegalArgumentException("numCallers must be between 1 and 500 (valgrind's limits),"
                        + " but was " + frames);
            }
            this.numCallers = frames;
            return this;
        }

        /** Suppression files ({@code --suppressions}), as paths where valgrind runs. */
        public Builder suppressions(String... files) {
            for (String f : files) {
                suppressions.add(requireText(f, "suppression file"));
            }
            return this;
        }

        /** Suppression files ({@code --suppressions}), as paths where valgrind runs. */
        public Builder suppressions(List<String> files) {
            return suppressions(files.toArray(String[]::new));
        }

        /**
         * Further valgrind options, e.g. {@code --track-fds=yes} or {@code --malloc-fill=0xAB}.
         * Options leakgate sets itself are refused with the builder method to use instead.
         */
        public Builder options(String... options) {
            for (String o : options) {
                extraOptions.add(ReservedOptions.check(o));
            }
            return this;
        }

        /**
         * Where the program's report is read (default {@code memcheck.xml}, relative to the working
         * directory). valgrind writes one file a process, with its pid before {@code .xml}
         * ({@link #xmlFileOf}); runners put the program's own at this name.
         */
        public Builder xmlFile(String path) {
            this.xmlFile = requireText(path, "xmlFile");
            return this;
        }

        /** Where valgrind writes its own messages (default {@code memcheck.log}). */
        public Builder logFile(String path) {
            this.logFile = requireText(path, "logFile");
            return this;
        }

        /** The directory the program runs in. */
        public Builder workingDirectory(String dir) {
            this.workingDirectory = dir == null ? null : requireText(dir, "workingDirectory");
            return this;
        }

        /**
         * The identity of one run (letters, digits, '-'; runners make a random one): written into the
         * XML ({@code --xml-user-comment}) so that the report can be proved to be this run's, and into
         * the environment ({@value #RUN_ID_VARIABLE}), which every process the run starts inherits, so
         * that what it leaves behind can be found and ended.
         */
        public Builder runId(String id) {
            if (id != null && !id.matches("[A-Za-z0-9-]{8,64}")) {
                throw new IllegalArgumentException("A run id is 8 to 64 letters, digits or '-', but was '" + id + "'");
            }
            this.runId = id;
            return this;
        }

        /**
         * A secret for the program that it can read once and nobody after it: the runner writes
         * {@code value} (letters and digits) to a file of the run's (mode 0600) just before the
         * program starts, and the variable names that file; the program (leakgate's kit, its probe)
         * reads it and removes it. Unlike a value in the environment, which stays readable in
         * {@code /proc/PID/environ} after {@code unsetenv}, code that runs later cannot read it back.
         */
        public Builder secret(String variable, String value) {
            ShellQuoting.requireEnvName(variable);
            if (value == null || !value.matches("[A-Za-z0-9]{8,128}")) {
                throw new IllegalArgumentException("A secret is 8 to 128 letters and digits");
            }
            secrets.put(variable, value);
            return this;
        }

        /** An environment variable for the program, e.g. {@code LD_LIBRARY_PATH}. */
        public Builder env(String name, String value) {
            ShellQuoting.requireEnvName(name);
            if ("VALGRIND_LIB".equals(name)) {
                throw new IllegalArgumentException("Set VALGRIND_LIB with valgrindLib(..) or valgrindPrefix(..)");
            }
            if (RUN_ID_VARIABLE.equals(name)) {
                throw new IllegalArgumentException(RUN_ID_VARIABLE + " is leakgate's: set it with runId(..)");
            }
            environment.put(name, Objects.requireNonNull(value, "the value of " + name + " is null"));
            return this;
        }

        public MemcheckCommand build() {
            return new MemcheckCommand(this);
        }

        private static String requireText(String value, String what) {
            if (value == null || value.isEmpty()) {
                throw new IllegalArgumentException("The " + what + " must not be empty");
            }
            if (value.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("The " + what + " must not hold a NUL character");
            }
            return value;
        }
    }
}
