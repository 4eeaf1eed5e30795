package dev.leakgate.board.ssh;

import dev.leakgate.process.ShellQuoting;
import dev.leakgate.process.StdinWriter;
import dev.leakgate.process.Termination;

import com.jcraft.jsch.ChannelDirectTCPIP;
import com.jcraft.jsch.ChannelExec;
import com.jcraft.jsch.JSch;
import com.jcraft.jsch.JSchException;
import com.jcraft.jsch.Session;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.List;

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
            throw new BoardException(ConnectFailure.explain(target, name, e), e);
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

    /**
     * A short command of leakgate's own that the board runs again each time it is asked, in one
     * shell on one channel (see {@link AskedCommand}); closed by the caller.
     */
    public AskedCommand asked(String command) {
        return AskedCommand.start(this, command);
    }

    private final AtomicLong channelsOpened = new AtomicLong();

    /** How many command channels leakgate has opened to this board: its round trips, for benchmarks and tests. */
    public long channelsOpened() {
        return channelsOpened.get();
    }

    /** The connection a channel was opened on. */
    static Session sessionOf(ChannelExec channel) {
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
        channelsOpened.incrementAndGet();
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
    static final Duration DRAIN = Duration.ofSeconds(2);

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
            return new RemoteProcess(this, channel, StdinWriter.start(in, name), pidFile, endStrays);
        } catch (JSchException | IOException e) {
            if (channel != null) {
                channel.disconnect();
            }
            throw lost(e);
        }
    }

    /** A shell command that kills what is left of the process group whose pid is in {@code pidFile}. */
    public static String killGroupCommand(String pidFile) {
        return "{ read p < " + ShellQuoting.quote(pidFile) + " && kill -s KILL -- -$p; } 2>/dev/null";
    }

    boolean waitClosed(ChannelExec channel, Duration wait) {
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

    void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BoardException("interrupted while waiting for a command on " + name, e);
        }
    }

    /** A short command on a channel of its own, without the timeout machinery. */
    void quietly(String command) {
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

    private final SshFiles files = new SshFiles(this);

    /** The file channel of this connection: copies, content-addressed placement and downloads. */
    public SshFiles files() {
        return files;
    }

    /** The JSch session, for the file channels. */
    Session session() {
        return session;
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
