package dev.leakgate.board.ssh;

import com.jcraft.jsch.ChannelDirectTCPIP;
import com.jcraft.jsch.ChannelExec;
import com.jcraft.jsch.JSch;
import com.jcraft.jsch.JSchChangedHostKeyException;
import com.jcraft.jsch.JSchException;
import com.jcraft.jsch.JSchUnknownHostKeyException;
import com.jcraft.jsch.Session;
import dev.leakgate.config.Settings;
import dev.leakgate.process.RunIdentity;
import dev.leakgate.process.ShellQuoting;
import dev.leakgate.process.StdinWriter;
import dev.leakgate.process.Termination;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A board over SSH (JSch), used the same way for a real board in the lab and for the emulated
 * board. Host keys are verified ({@code StrictHostKeyChecking=yes}: pinned or from known_hosts);
 * the session and every channel have timeouts; commands run under {@code sh -c} with every word
 * quoted by the caller; a command that outlives its timeout is asked to end in steps (stdin closed,
 * SIGTERM, SIGKILL) as a process group, so nothing it started is left running.
 *
 * <p>Thread-safe: channels of one session may be used from several threads.
 */
public final class SshBoard implements AutoCloseable {

    /** How long a channel may take to open. */
    public static final Duration CHANNEL_TIMEOUT = Duration.ofSeconds(20);
    private static final List<String> CIPHER_KEYS = List.of("cipher.s2c", "cipher.c2s");

    private final SshTarget target;
    private volatile Session session;
    private final String name;

    private SshBoard(SshTarget target, Session session, String name) {
        this.target = target;
        this.session = session;
        this.name = name;
    }

    /**
     * Connects and authenticates. Fails with a {@link BoardException} that names the board and
     * the fix: unknown or changed host key, wrong password or key, nothing listening, timeout.
     */
    public static SshBoard connect(SshTarget target) {
        return connect(target, target.toString());
    }

    /** As {@link #connect(SshTarget)}, with a name for messages (e.g. "the emulated aarch64 board"). */
    public static SshBoard connect(SshTarget target, String name) {
        try {
            return new SshBoard(target, open(target), name);
        } catch (JSchException e) {
            throw new BoardException(explain(target, name, e), e);
        }
    }

    private static Session open(SshTarget target) throws JSchException {
        JSch jsch = new JSch();
        if (target.pinnedHostKey() != null) {
            String host = target.port() == 22 ? target.host() : "[" + target.host() + "]:" + target.port();
            jsch.setKnownHosts(new ByteArrayInputStream((host + " " + target.pinnedHostKey() + "\n")
                    .getBytes(StandardCharsets.US_ASCII)));
        } else if (Files.isRegularFile(target.knownHosts())) {
            jsch.setKnownHosts(target.knownHosts().toString());
        }
        if (target.privateKey() != null) {
            jsch.addIdentity("leakgate", target.privateKey(), target.publicKey(), null);
        }
        Session session = jsch.getSession(target.user(), target.host(), target.port());
        if (target.password() != null) {
            session.setPassword(new String(target.password()));
        }
        for (String key : CIPHER_KEYS) {
            session.setConfig(key, SshTarget.defaults(key));
        }
        target.algorithms().forEach(session::setConfig);
        session.setConfig("StrictHostKeyChecking", "yes");
        session.setConfig("PreferredAuthentications", "publickey,password");
        session.setServerAliveInterval(2000);
        session.setServerAliveCountMax(3);
        session.connect((int) target.connectTimeout().toMillis());
        return session;
    }

    /**
     * Connects again when the connection has dropped (the host key verified as at first); true when
     * the board answers. What the lost connection carried (its channels, its port forwards) is gone:
     * only a caller that knows its command had already ended may go on with what it left on the board.
     */
    public synchronized boolean reconnect() {
        if (session.isConnected()) {
            return true;
        }
        try {
            session = open(target);
            return true;
        } catch (JSchException e) {
            return false;
        }
    }

    /** A {@code name="value"} field of JSch's negotiation failure message. */
    private static String field(String message, String name) {
        Matcher m = Pattern.compile(name + "=\"([^\"]*)\"").matcher(message);
        return m.find() ? m.group(1) : null;
    }

    /** The real algorithms of a proposal, without the markers that only signal extensions. */
    private static List<String> algorithms(String proposal) {
        return proposal == null ? List.of() : Arrays.stream(proposal.split(","))
                .filter(a -> !a.startsWith("ext-info-") && !a.startsWith("kex-strict-") && !a.startsWith("kexguess"))
                .toList();
    }

    private static String explain(SshTarget target, String name, JSchException e) {
        String m = String.valueOf(e.getMessage());
        String where = name.equals(target.toString()) ? name : name + " (" + target + ")";
        if (e instanceof JSchUnknownHostKeyException) {
            return "the host key of " + where + " is not known, and leakgate does not trust a key on first use: "
                    + "check the board's key and add it to " + target.knownHosts()
                    + " (ssh-keyscan -p " + target.port() + " " + target.host() + " after checking its fingerprint"
                    + " on the board), or set leakgate.ssh.knownHosts";
        }
        if (e instanceof JSchChangedHostKeyException || m.contains("HostKey has been changed")) {
            return "the host key of " + where + " does not match the expected key: this may not be the board you"
                    + " meant (or it was reinstalled); check it, then update "
                    + (target.pinnedHostKey() != null ? "the pinned key" : String.valueOf(target.knownHosts()));
        }
        if (m.startsWith("Auth fail") || m.contains("Auth cancel")) {
            return "cannot log in to " + where + " as " + target.user() + ": the board refused the "
                    + (target.privateKey() != null && target.password() != null ? "key and the password"
                    : target.privateKey() != null ? "key" : target.password() != null ? "password" : "login (no key or"
                    + " password was given)")
                    + "; set leakgate.ssh.password (LEAKGATE_SSH_PASSWORD) or leakgate.ssh.key";
        }
        if (m.startsWith("Algorithm negotiation fail")) {
            String kind = field(m, "algorithmName");
            String theirs = field(m, "serverProposal");
            String what = switch (kind == null ? "" : kind) {
                case "kex" -> "key exchange";
                case "server_host_key" -> "host key";
                case "cipher.s2c", "cipher.c2s" -> "cipher";
                case "mac.s2c", "mac.c2s" -> "MAC";
                default -> String.valueOf(kind);
            };
            String setting = kind == null ? "kex" : kind.replaceFirst("\\.(s2c|c2s)$", "");
            List<String> offered = algorithms(theirs);
            String first = offered.stream().filter(a -> JSch.getConfig(a) != null).findFirst()
                    .orElse(offered.isEmpty() ? "NAME" : offered.get(0));
            return where + " and leakgate share no " + what + " algorithm: the board offers "
                    + String.join(", ", offered) + "; leakgate offered "
                    + String.join(", ", algorithms(field(m, "jschProposal"))) + ". Add one the board offers with "
                    + Settings.SSH_ALGORITHMS + "=" + setting + "=+" + first + " (an old SSH server may only have"
                    + " SHA-1 ones; updating its firmware is the better fix)";
        }
        if (m.contains("timeout") || m.contains("timed out")) {
            return "no SSH answer from " + where + " within " + target.connectTimeout().toSeconds()
                    + " s: check that the board is on and the address and port are right";
        }
        if (m.contains("Connection refused")) {
            return "nothing listens for SSH at " + where + ": start sshd on the board or fix the port";
        }
        return "cannot connect to " + where + ": " + m;
    }

    public SshTarget target() {
        return target;
    }

    /** The board's name for messages. */
    public String name() {
        return name;
    }

    public boolean isConnected() {
        return session.isConnected();
    }

    // ---- commands ----------------------------------------------------------------------------

    /** What a short command printed and how it ended. */
    public record Result(int exitStatus, String stdout, String stderr) {
        public boolean ok() {
            return exitStatus == 0;
        }
    }

    /**
     * Runs a short command of leakgate's own under {@code sh -c} on one channel and returns its
     * output; throws when it does not finish within the timeout.
     */
    public Result run(String command, Duration timeout) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        ChannelExec channel = null;
        try {
            channel = openExec();
            channel.setCommand(command);
            channel.setInputStream(null);
            channel.setOutputStream(out, true);
            channel.setErrStream(err, true);
            channel.connect((int) CHANNEL_TIMEOUT.toMillis());
            if (!waitClosed(channel, timeout)) {
                throw new BoardException("'" + command + "' did not finish within " + timeout.toSeconds() + " s on "
                        + name);
            }
            return new Result(channel.getExitStatus(), out.toString(StandardCharsets.UTF_8),
                    err.toString(StandardCharsets.UTF_8));
        } catch (JSchException e) {
            throw lost(e);
        } finally {
            if (channel != null) {
                channel.disconnect();
            }
        }
    }

    /** The connection a channel was opened on. */
    private static Session sessionOf(ChannelExec channel) {
        try {
            return channel.getSession();
        } catch (JSchException e) {
            throw new IllegalStateException("a channel without its connection", e); // JSch sets it when it opens one
        }
    }

    /**
     * A new exec channel. When the connection is found down before the channel opens (some SSH servers,
     * Debian 12's dropbear among them, drop it as one of many short channels closes, more often on a busy
     * machine), nothing of the new command has run, so it goes over a new connection (the host key
     * verified again); what ran over the old one learns of the drop from its own channel.
     */
    public ChannelExec openExec() throws JSchException {
        try {
            return (ChannelExec) session.openChannel("exec");
        } catch (JSchException e) {
            if (!session.isConnected() && reconnect()) {
                return (ChannelExec) session.openChannel("exec");
            }
            throw e;
        }
    }

    /**
     * How a command ended: the step that ended it, its exit status (-1 when it has none), the
     * signal that ended it as the board reported it ("KILL"; null when none), whether a process it
     * left running kept its channel open after it exited (leakgate then ended it), and the lines
     * the stray-ending command printed.
     */
    public record Outcome(Termination termination, int exitStatus, String exitSignal, boolean heldByStray,
                          String strayOutput) {
    }

    /** After the command's own process exits, how long its output may take to drain before a stray is suspected. */
    private static final Duration DRAIN = Duration.ofSeconds(2);

    /**
     * Runs a command to its end: {@link #start}, the input written (then stdin closed unless
     * {@code keepStdinOpen}), and at the timeout the steps of {@link RemoteProcess#endInSteps}.
     * Throws {@link BoardException} when the connection is lost.
     */
    public Outcome execWithPidFile(String command, String pidFile, byte[] stdin, boolean keepStdinOpen, Duration timeout,
                                   Duration stdinGrace, Duration termGrace, OutputStream stdout, OutputStream stderr,
                                   String endStrays) {
        RemoteProcess p = start(command, pidFile, stdout, stderr, endStrays);
        try {
            p.write(stdin);
            if (!keepStdinOpen) {
                p.closeStdin();
            }
            Termination t = p.awaitEnd(timeout) ? Termination.EXITED : p.endInSteps(stdinGrace, termGrace);
            return p.finish(t);
        } finally {
            p.close();
        }
    }

    /**
     * Starts a command under {@code sh -c} as its own process group, streaming its output, with the
     * group's pid written to {@code pidFile} (whose folder is made first), and returns at once.
     * {@code endStrays} is a shell command that ends what the command leaves running (see
     * {@link RemoteProcess#awaitEnd}). The caller removes the pid file with what is left of the group
     * ({@link #killGroupCommand}) in its own clean-up: fewer commands per run, which counts under
     * emulation. Throws {@link BoardException} when the connection is lost.
     */
    public RemoteProcess start(String command, String pidFile, OutputStream stdout, OutputStream stderr,
                               String endStrays) {
        String folder = pidFile.substring(0, Math.max(1, pidFile.lastIndexOf('/')));
        String wrapped = "mkdir -p " + ShellQuoting.quote(folder) + " && echo $$ > " + ShellQuoting.quote(pidFile)
                + " && " + command;
        ChannelExec channel = null;
        try {
            channel = openExec();
            channel.setCommand(wrapped);
            channel.setOutputStream(stdout, true);
            channel.setErrStream(stderr, true);
            OutputStream in = channel.getOutputStream();
            channel.connect((int) CHANNEL_TIMEOUT.toMillis());
            return new RemoteProcess(channel, StdinWriter.start(in, name), pidFile, endStrays);
        } catch (JSchException | IOException e) {
            if (channel != null) {
                channel.disconnect();
            }
            throw lost(e);
        }
    }

    /**
     * A command started on the board and running: its input, its end, the signals sent to its
     * process group. Not thread-safe but for {@link #write} and {@link #closeStdin}, which never block.
     */
    public final class RemoteProcess implements AutoCloseable {
        private final ChannelExec channel;
        private final StdinWriter stdin;
        private final String pidFile;
        private final String endStrays;
        private final StringBuilder strays = new StringBuilder();
        /**
         * The connection the command runs over. Its loss is judged by it, not by the board's connection
         * now, which a later command of leakgate's may have made anew ({@link #openExec}).
         */
        private final Session over;
        private boolean held;

        private RemoteProcess(ChannelExec channel, StdinWriter stdin, String pidFile, String endStrays) {
            this.channel = channel;
            this.over = sessionOf(channel);
            this.stdin = stdin;
            this.pidFile = pidFile;
            this.endStrays = endStrays;
        }

        /** Queues input for the command. */
        public void write(byte[] input) {
            stdin.write(input);
        }

        /** Closes its input once what was written is written. */
        public void closeStdin() {
            stdin.close();
        }

        /**
         * Waits up to {@code wait} for the command to end; true when it did. When its own process has
         * exited (its exit status or signal arrived) but the channel stays open past a short drain (a
         * child it started, in another session perhaps, holds its output), what {@code endStrays}
         * finds is ended, then what is left of its group, and it counts as ended.
         */
        public boolean awaitEnd(Duration wait) {
            long deadline = System.nanoTime() + wait.toNanos();
            long exitedAt = 0;
            while (!channel.isClosed()) {
                if (!over.isConnected()) {
                    throw lost(null);
                }
                long now = System.nanoTime();
                if (exitedAt == 0 && (channel.getExitStatus() != -1 || channel.getExitSignal() != null)) {
                    exitedAt = now;
                }
                if (exitedAt != 0 && now - exitedAt > DRAIN.toNanos()) {
                    held = true; // the strays first, so that each is named, then what is left of the group
                    strays.append(run(endStrays + "; " + killGroupCommand(pidFile), CHANNEL_TIMEOUT).stdout());
                    waitClosed(channel, Duration.ofSeconds(10));
                    return true;
                }
                if (now > deadline) {
                    return false;
                }
                sleep(20);
            }
            return true;
        }

        /**
         * Whether the connection the command ran over dropped before the board said how it ended: its
         * channel then closed without an exit status or signal. A dropped connection closes its channels
         * before it says it is down, so this waits a moment for it to say so.
         */
        public boolean droppedBeforeItsEnd() {
            if (endReported() || !channel.isClosed()) {
                return false;
            }
            long until = System.nanoTime() + DRAIN.toNanos();
            while (over.isConnected() && System.nanoTime() < until) {
                sleep(20);
            }
            return !over.isConnected();
        }

        /** Whether the board reported the command's own process's end: its exit status or signal arrived. */
        public boolean endReported() {
            return channel.getExitStatus() != -1 || channel.getExitSignal() != null;
        }

        /** Whether the command's own process has exited (its status or signal arrived). */
        public boolean hasExited() {
            return channel.isClosed() || channel.getExitStatus() != -1 || channel.getExitSignal() != null;
        }

        /**
         * Ends the command in steps: stdin closed, {@code stdinGrace}, SIGTERM to its group,
         * {@code termGrace}, SIGKILL to its group and its strays. Returns the step that ended it.
         */
        public Termination endInSteps(Duration stdinGrace, Duration termGrace) {
            stdin.close();
            if (awaitEnd(stdinGrace)) {
                return Termination.STDIN_CLOSED;
            }
            signal("TERM");
            if (awaitEnd(termGrace)) {
                return Termination.TERMINATED;
            }
            kill();
            return Termination.KILLED;
        }

        /** SIGKILL to the group and to every stray, then a bounded wait for the channel. */
        public void kill() {
            signal("KILL");
            strays.append(run(endStrays, CHANNEL_TIMEOUT).stdout());
            waitClosed(channel, Duration.ofSeconds(10));
        }

        /** Sends a signal ("TERM", "INT", "USR1", ...) to the command's process group. */
        public void signal(String signalName) {
            if (!signalName.matches("[A-Z0-9]+")) {
                throw new IllegalArgumentException("'" + signalName + "' is not a signal name such as TERM or USR1");
            }
            quietly("read p < " + ShellQuoting.quote(pidFile) + " && kill -s " + signalName + " -- -$p 2>/dev/null");
        }

        /** How it ended, once it has ended ({@code termination}: the step that ended it). */
        public Outcome finish(Termination termination) {
            int status = channel.getExitStatus();
            String signal = channel.getExitSignal();
            return new Outcome(termination, termination == Termination.KILLED ? -1 : status,
                    signal == null || signal.isBlank() ? null : signal, held, strays.toString());
        }

        /** Closes the channel (the command, if still running, is ended by the caller's clean-up). */
        @Override
        public void close() {
            stdin.close();
            channel.disconnect();
        }
    }

    /** A shell command that kills what is left of the process group whose pid is in {@code pidFile}. */
    public static String killGroupCommand(String pidFile) {
        return "{ read p < " + ShellQuoting.quote(pidFile) + " && kill -s KILL -- -$p; } 2>/dev/null";
    }

    private boolean waitClosed(ChannelExec channel, Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        Session over = sessionOf(channel);
        while (!channel.isClosed()) {
            if (!over.isConnected()) {
                throw lost(null);
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            sleep(20);
        }
        return true;
    }

    private void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BoardException("interrupted while waiting for a command on " + name, e);
        }
    }

    /** A short command on a channel of its own, without the timeout machinery. */
    private void quietly(String command) {
        ChannelExec channel = null;
        try {
            channel = (ChannelExec) session.openChannel("exec");
            channel.setCommand(command);
            channel.setOutputStream(OutputStream.nullOutputStream());
            channel.setErrStream(OutputStream.nullOutputStream());
            channel.connect((int) CHANNEL_TIMEOUT.toMillis());
            long deadline = System.nanoTime() + CHANNEL_TIMEOUT.toNanos();
            while (!channel.isClosed() && System.nanoTime() < deadline && session.isConnected()) {
                Thread.sleep(10);
            }
        } catch (JSchException e) {
            throw lost(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (channel != null) {
                channel.disconnect();
            }
        }
    }

    public BoardException lost(Exception cause) {
        return new BoardException("lost the connection to " + name + " (" + target + ")"
                + (cause == null ? "" : ": " + cause.getMessage())
                + "; check that the board is still running and reachable", cause);
    }

    // ---- ports -------------------------------------------------------------------------------

    /**
     * A local address that reaches a TCP port on the board's loopback, forwarded through this SSH
     * connection (a free local port is chosen). Undone by {@link #unforward} or when the connection
     * closes.
     */
    public InetSocketAddress forward(int boardPort) {
        try {
            int local = session.setPortForwardingL("127.0.0.1", 0, "127.0.0.1", boardPort);
            return new InetSocketAddress("127.0.0.1", local);
        } catch (JSchException e) {
            if (!session.isConnected()) {
                throw lost(e);
            }
            throw new BoardException("cannot forward a local port to port " + boardPort + " on " + name + ": "
                    + e.getMessage() + " (does the board's SSH server allow TCP forwarding?)", e);
        }
    }

    /** Ends a forwarding made by {@link #forward}. */
    public void unforward(int localPort) {
        try {
            session.delPortForwardingL("127.0.0.1", localPort);
        } catch (JSchException e) {
            // already gone with the connection
        }
    }

    /**
     * Whether a TCP port on the board's loopback accepts a connection now, asked through this SSH
     * connection (no tool on the board is needed); the connection is closed at once.
     */
    public boolean accepts(int boardPort) {
        ChannelDirectTCPIP channel = null;
        try {
            channel = (ChannelDirectTCPIP) session.openChannel("direct-tcpip");
            channel.setHost("127.0.0.1");
            channel.setPort(boardPort);
            // no input stream: then connect() waits for the server to confirm or refuse the channel
            channel.setOutputStream(OutputStream.nullOutputStream());
            channel.connect((int) Duration.ofSeconds(5).toMillis());
            return channel.isConnected();
        } catch (JSchException e) {
            if (!session.isConnected()) {
                throw lost(e);
            }
            return false;
        } finally {
            if (channel != null) {
                channel.disconnect();
            }
        }
    }

    // ---- files -------------------------------------------------------------------------------

    private FileTransfer files;

    /**
     * How files travel to and from this board: chosen on first use, the best the board offers
     * (see {@link FileTransfer#choose}), unless {@link #useFileTransfer} chose first.
     */
    synchronized FileTransfer files() {
        if (files == null) {
            files = FileTransfer.choose(this, "auto");
        }
        return files;
    }

    /** Chooses how files travel: "auto" (the default), "sftp", "scp" or "stream" ({@code leakgate.board.transfer}). */
    public synchronized void useFileTransfer(String preference) {
        files = FileTransfer.choose(this, preference);
    }

    /** How files travel, for messages: "SFTP", "scp", "a stream (cat) checked with sha256sum". */
    public String fileTransferName() {
        return files().name();
    }

    /**
     * Copies a file to {@code remoteDir/name} unless a file with the same SHA-256 is already
     * there; keeps the executable bit. The copy goes to a temporary name first and is renamed into
     * place, so a copy cut off never passes for the file. Returns true when it copied, false when
     * it skipped.
     *
     * <p>Beside each copied file, {@code name.leakgate-sha256} records its hash with the size and
     * modification time it had when copied; while those still match, the record stands for the
     * file, so an unchanged redeploy costs one short command instead of hashing the file on the
     * board. A file changed on the board in any way that touches its size or time is hashed anew.
     */
    public boolean upload(Path local, String remoteDir, String remoteName) {
        return place(local, remoteDir, remoteName, null) == Placed.COPIED;
    }

    /** How {@link #place} put a file on the board. */
    public enum Placed {
        /** The same content was already there under that name. */
        UNCHANGED,
        /** Copied over the connection. */
        COPIED,
        /** Linked from the board's store of deployed content: copied once, for another folder. */
        LINKED
    }

    /**
     * As {@link #upload}, with a store of deployed content on the board ({@code store}: a folder on
     * the same file system, or null for none): a file whose content is there already, deployed for
     * another folder, is hard-linked into place instead of copied again, and a file copied is added
     * to it. A store entry is used only while its size and modification time are those recorded when
     * it was stored (so one changed on the board is copied afresh), and only after its size matches.
     */
    public Placed place(Path local, String remoteDir, String remoteName, String store) {
        String remote = remoteDir + "/" + remoteName;
        String q = ShellQuoting.quote(remote);
        String record = ShellQuoting.quote(remote + ".leakgate-sha256");
        String localHash = localHashes.of(local);
        String stored = store == null ? null : ShellQuoting.quote(store + "/" + localHash);
        // read and echo are shell builtins: under emulation every program started costs ~0.1 s
        Result seen = run("r=; read -r r < " + record + " 2>/dev/null; echo \"$r\"; stat -c '%s %Y' " + q + " 2>/dev/null"
                + (stored == null ? "" : "; echo; s=; read -r s < " + stored + ".rec 2>/dev/null; echo \"store=$s|$(stat -c"
                + " '%s %Y' " + stored + " 2>/dev/null)\""), CHANNEL_TIMEOUT);
        String[] lines = seen.stdout().split("\n", -1);
        String recorded = lines.length > 0 ? lines[0].trim() : "";
        String now = lines.length > 1 ? lines[1].trim() : "";
        if (!now.isEmpty() && recorded.equals(localHash + " " + now)) {
            return Placed.UNCHANGED;
        }
        if (!now.isEmpty() && recorded.isEmpty()) {
            // copied by something else: trust only its content (where the board can hash it)
            Result hashed = run("sha256sum < " + q, Duration.ofMinutes(2));
            if (hashed.ok() && hashed.stdout().startsWith(localHash)) {
                recordHash(q, record, localHash);
                return Placed.UNCHANGED;
            }
        }
        Result made = run("mkdir -p " + ShellQuoting.quote(remoteDir), CHANNEL_TIMEOUT);
        if (!made.ok()) {
            String why = made.stderr().strip();
            throw new BoardException("cannot make the folder " + remoteDir + " on " + name + " (" + why + "): "
                    + (why.contains("Read-only") ? "that part of the board's file system is read-only, as on most"
                    + " camera firmware; set leakgate.board.dir to a writable folder (a RAM disk such as /tmp)"
                    : "set leakgate.board.dir to a folder leakgate may write"));
        }
        // a name of this copy's own: two JVMs deploying the same file to one board at once never share it,
        // and the rename into place is atomic
        String partial = remote + "." + RunIdentity.newId() + ".partial";
        String mode = "chmod " + (Files.isExecutable(local) ? "755 " : "644 ") + ShellQuoting.quote(partial);
        String intoPlace = " && mv -f " + ShellQuoting.quote(partial) + " " + q + " && printf '%s %s\\n' " + localHash
                + " \"$(stat -c '%s %Y' " + q + ")\" > " + record;
        if (stored != null && storeEntryIntact(seen.stdout(), local)) {
            Result linked = run("ln -f " + stored + " " + ShellQuoting.quote(partial) + " && " + mode + intoPlace,
                    CHANNEL_TIMEOUT);
            if (linked.ok()) {
                return Placed.LINKED;
            }
            run("rm -f " + ShellQuoting.quote(partial), CHANNEL_TIMEOUT); // another file system: copy it
        }
        files().put(local, partial);
        Result placed = run(mode + intoPlace, CHANNEL_TIMEOUT);
        if (!placed.ok()) {
            throw new BoardException("cannot put " + local + " in place as " + remote + " on " + name + ": "
                    + placed.stderr().strip() + " (is the folder writable, is there space?)");
        }
        if (stored != null) { // kept for other folders; a store that cannot be written only costs copies
            run("mkdir -p " + ShellQuoting.quote(store) + " && ln -f " + q + " " + stored + " && printf '%s\\n' \"$(stat -c"
                    + " '%s %Y' " + stored + ")\" > " + stored + ".rec", CHANNEL_TIMEOUT);
        }
        return Placed.COPIED;
    }

    /** Whether the store line of {@link #place}'s first command shows an entry as it was stored, of the local size. */
    private static boolean storeEntryIntact(String firstAnswer, Path local) {
        int at = firstAnswer.indexOf("store=");
        if (at < 0) {
            return false;
        }
        String line = firstAnswer.substring(at + 6).split("\n", 2)[0].trim();
        int bar = line.indexOf('|');
        if (bar < 0) {
            return false;
        }
        String recorded = line.substring(0, bar).trim();
        String current = line.substring(bar + 1).trim();
        try {
            return !recorded.isEmpty() && recorded.equals(current)
                    && current.startsWith(Files.size(local) + " ");
        } catch (IOException e) {
            return false;
        }
    }

    /** Writes the record of a deployed file: its hash, size and modification time. */
    private void recordHash(String quotedFile, String quotedRecord, String hash) {
        run("printf '%s %s\\n' " + hash + " \"$(stat -c '%s %Y' " + quotedFile + ")\" > " + quotedRecord, CHANNEL_TIMEOUT);
    }

    /** Copies a board file to a local file; returns false (and writes nothing) when it does not exist. */
    public boolean download(String remote, Path local) {
        return files().get(remote, local);
    }

    /** Copies board files to local files; for each, whether it existed (a missing one writes nothing). */
    public Map<String, Boolean> download(Map<String, Path> remoteToLocal) {
        Map<String, Boolean> found = new LinkedHashMap<>();
        remoteToLocal.forEach((remote, local) -> found.put(remote, files().get(remote, local)));
        return found;
    }

    /** The JSch session, for the file channels. */
    Session session() {
        return session;
    }

    private final LocalHashes localHashes = new LocalHashes();

    /** Hashes of local files, made again only when a file's size or modification time changes. */
    private static final class LocalHashes {
        private record Key(Path path, long size, long modified) {
        }

        private final Map<Key, String> known = new ConcurrentHashMap<>();

        String of(Path file) {
            try {
                Path real = file.toRealPath();
                Key key = new Key(real, Files.size(real), Files.getLastModifiedTime(real).toMillis());
                return known.computeIfAbsent(key, k -> sha256(k.path()));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file, e);
            }
        }
    }

    public static String sha256(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                digest.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        session.disconnect();
    }

    @Override
    public String toString() {
        return name + " (" + target + ")";
    }
}
