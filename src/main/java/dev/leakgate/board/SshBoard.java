package dev.leakgate.board;

import com.jcraft.jsch.ChannelExec;
import com.jcraft.jsch.ChannelSftp;
import com.jcraft.jsch.JSch;
import com.jcraft.jsch.JSchChangedHostKeyException;
import com.jcraft.jsch.JSchException;
import com.jcraft.jsch.JSchUnknownHostKeyException;
import com.jcraft.jsch.Session;
import com.jcraft.jsch.SftpException;
import dev.leakgate.memcheck.ShellQuoting;
import dev.leakgate.memcheck.StdinFeeder;
import dev.leakgate.memcheck.Termination;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;

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

    private static final Duration CHANNEL_TIMEOUT = Duration.ofSeconds(20);

    private final SshTarget target;
    private final Session session;
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
        JSch jsch = new JSch();
        try {
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
            session.setConfig("StrictHostKeyChecking", "yes");
            session.setConfig("PreferredAuthentications", "publickey,password");
            session.setServerAliveInterval(2000);
            session.setServerAliveCountMax(3);
            session.connect((int) target.connectTimeout().toMillis());
            return new SshBoard(target, session, name);
        } catch (JSchException e) {
            throw new BoardException(explain(target, name, e), e);
        }
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
            channel = (ChannelExec) session.openChannel("exec");
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
     * How a command ended: the step that ended it, its exit status (-1 when it has none), the
     * signal that ended it as the board reported it ("KILL"; null when none), and whether a
     * process it left running kept its channel open after it exited (leakgate then ended it).
     */
    public record Outcome(Termination termination, int exitStatus, String exitSignal, boolean heldByStray,
                          String strayOutput) {
    }

    /** After the command's own process exits, how long its output may take to drain before a stray is suspected. */
    private static final Duration DRAIN = Duration.ofSeconds(2);

    /**
     * Runs a command under {@code sh -c} as its own process group, streaming its output, with the
     * process group's pid written to {@code pidFile} (whose folder is made first). The input is
     * written on a thread of its own (a command that never reads cannot block the timeout), then
     * stdin is closed unless {@code keepStdinOpen}. At the timeout: stdin is closed, then after
     * {@code stdinGrace} the group gets SIGTERM, after {@code termGrace} SIGKILL.
     *
     * <p>When the command's own process has exited but the channel stays open (a child it started,
     * in another session perhaps, still holds its output), the group is killed and so is what
     * {@code endStrays} finds (a shell command, whose output comes back in the outcome), instead of
     * waiting for the timeout. The caller
     * removes the pid file with what is left of the group ({@link #killGroupCommand}) in its own
     * clean-up: fewer commands per run, which counts under emulation. Throws {@link BoardException}
     * when the connection is lost.
     */
    public Outcome execWithPidFile(String command, String pidFile, byte[] stdin, boolean keepStdinOpen, Duration timeout,
                                   Duration stdinGrace, Duration termGrace, OutputStream stdout, OutputStream stderr,
                                   String endStrays) {
        String folder = pidFile.substring(0, Math.max(1, pidFile.lastIndexOf('/')));
        String quotedPid = ShellQuoting.quote(pidFile);
        String wrapped = "mkdir -p " + ShellQuoting.quote(folder) + " && echo $$ > " + quotedPid + " && " + command;
        ChannelExec channel = null;
        StdinFeeder feeder = null;
        StringBuilder strays = new StringBuilder();
        try {
            channel = (ChannelExec) session.openChannel("exec");
            channel.setCommand(wrapped);
            channel.setOutputStream(stdout, true);
            channel.setErrStream(stderr, true);
            OutputStream in = channel.getOutputStream();
            channel.connect((int) CHANNEL_TIMEOUT.toMillis());
            feeder = StdinFeeder.start(in, stdin, keepStdinOpen, name);
            Termination termination = Termination.EXITED;
            End end = waitEnd(channel, timeout);
            if (end == End.TIMEOUT) {
                feeder.closeWhenWritten();
                termination = Termination.STDIN_CLOSED;
                end = waitEnd(channel, stdinGrace);
                if (end == End.TIMEOUT) {
                    signalGroup(quotedPid, "TERM");
                    termination = Termination.TERMINATED;
                    end = waitEnd(channel, termGrace);
                    if (end == End.TIMEOUT) {
                        signalGroup(quotedPid, "KILL");
                        strays.append(run(endStrays, CHANNEL_TIMEOUT).stdout());
                        termination = Termination.KILLED;
                        waitClosed(channel, Duration.ofSeconds(10));
                    }
                }
            }
            boolean held = end == End.HELD;
            if (held) { // the command is done; what holds its channel is not
                // the strays first, so that each is named, then what is left of the group
                strays.append(run(endStrays + "; " + killGroupCommand(pidFile), CHANNEL_TIMEOUT).stdout());
                waitClosed(channel, Duration.ofSeconds(10));
            }
            int status = channel.getExitStatus();
            String signal = channel.getExitSignal();
            return new Outcome(termination, termination == Termination.KILLED ? -1 : status,
                    signal == null || signal.isBlank() ? null : signal, held, strays.toString());
        } catch (JSchException | IOException e) {
            throw lost(e);
        } finally {
            if (feeder != null) {
                feeder.closeWhenWritten();
            }
            if (channel != null) {
                channel.disconnect();
            }
        }
    }

    /** A shell command that kills what is left of the process group whose pid is in {@code pidFile}. */
    public static String killGroupCommand(String pidFile) {
        return "{ read p < " + ShellQuoting.quote(pidFile) + " && kill -s KILL -- -$p; } 2>/dev/null";
    }

    private enum End { CLOSED, HELD, TIMEOUT }

    /**
     * Waits until the channel closes (CLOSED), or the command's process has exited (its exit
     * status or signal arrived) while the channel stays open past {@link #DRAIN} (HELD), or the
     * wait is over (TIMEOUT).
     */
    private End waitEnd(ChannelExec channel, Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        long exitedAt = 0;
        while (!channel.isClosed()) {
            if (!session.isConnected()) {
                throw lost(null);
            }
            long now = System.nanoTime();
            if (exitedAt == 0 && (channel.getExitStatus() != -1 || channel.getExitSignal() != null)) {
                exitedAt = now;
            }
            if (exitedAt != 0 && now - exitedAt > DRAIN.toNanos()) {
                return End.HELD;
            }
            if (now > deadline) {
                return End.TIMEOUT;
            }
            sleep(20);
        }
        return End.CLOSED;
    }

    private boolean waitClosed(ChannelExec channel, Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        while (!channel.isClosed()) {
            if (!session.isConnected()) {
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

    /** {@code quotedPidFile}: the pid file's path, quoted for the shell. */
    private void signalGroup(String quotedPidFile, String signal) {
        quietly("read p < " + quotedPidFile + " && kill -s " + signal + " -- -$p 2>/dev/null");
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

    private BoardException lost(Exception cause) {
        return new BoardException("lost the connection to " + name + " (" + target + ")"
                + (cause == null ? "" : ": " + cause.getMessage())
                + "; check that the board is still running and reachable", cause);
    }

    // ---- files -------------------------------------------------------------------------------

    /**
     * Copies a file to {@code remoteDir/name} unless a file with the same SHA-256 is already
     * there; keeps the executable bit. Returns true when it copied, false when it skipped.
     *
     * <p>Beside each copied file, {@code name.leakgate-sha256} records its hash with the size and
     * modification time it had when copied; while those still match, the record stands for the
     * file, so an unchanged redeploy costs one short command instead of hashing the file on the
     * board. A file changed on the board in any way that touches its size or time is hashed anew.
     */
    public boolean upload(Path local, String remoteDir, String remoteName) {
        String remote = remoteDir + "/" + remoteName;
        String q = ShellQuoting.quote(remote);
        String record = ShellQuoting.quote(remote + ".leakgate-sha256");
        String localHash = localHashes.of(local);
        // read and echo are shell builtins: under emulation every program started costs ~0.1 s
        Result seen = run("r=; read -r r < " + record + " 2>/dev/null; echo \"$r\"; stat -c '%s %Y' " + q + " 2>/dev/null",
                CHANNEL_TIMEOUT);
        String[] lines = seen.stdout().split("\n", -1);
        String recorded = lines.length > 0 ? lines[0].trim() : "";
        String now = lines.length > 1 ? lines[1].trim() : "";
        if (!now.isEmpty() && recorded.equals(localHash + " " + now)) {
            return false;
        }
        if (!now.isEmpty() && recorded.isEmpty()) {
            // copied by something else: trust only its content
            Result hashed = run("sha256sum " + q, Duration.ofMinutes(2));
            if (hashed.ok() && hashed.stdout().startsWith(localHash)) {
                recordHash(q, record, localHash);
                return false;
            }
        }
        run("mkdir -p " + ShellQuoting.quote(remoteDir), CHANNEL_TIMEOUT);
        ChannelSftp sftp = sftp();
        String partial = remote + ".partial";
        try (InputStream in = Files.newInputStream(local)) {
            sftp.put(in, sftpPath(partial));
            sftp.chmod(Files.isExecutable(local) ? 0755 : 0644, sftpPath(partial));
            try {
                sftp.rename(sftpPath(partial), sftpPath(remote));
            } catch (SftpException exists) { // rename fails over an existing file on some servers
                sftp.rm(sftpPath(remote));
                sftp.rename(sftpPath(partial), sftpPath(remote));
            }
        } catch (SftpException e) {
            throw new BoardException("cannot copy " + local + " to " + remote + " on " + name + ": " + e.getMessage()
                    + " (is the folder writable, is there space?)", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + local, e);
        } finally {
            sftp.disconnect();
        }
        recordHash(q, record, localHash);
        return true;
    }

    /** Writes the record of a deployed file: its hash, size and modification time. */
    private void recordHash(String quotedFile, String quotedRecord, String hash) {
        run("printf '%s %s\\n' " + hash + " \"$(stat -c '%s %Y' " + quotedFile + ")\" > " + quotedRecord, CHANNEL_TIMEOUT);
    }

    /** Copies a board file to a local file; returns false (and writes nothing) when it does not exist. */
    public boolean download(String remote, Path local) {
        return download(java.util.Map.of(remote, local)).get(remote);
    }

    /**
     * Copies board files to local files over one SFTP channel; for each, whether it existed (a
     * missing one writes nothing).
     */
    public java.util.Map<String, Boolean> download(java.util.Map<String, Path> remoteToLocal) {
        ChannelSftp sftp = sftp();
        try {
            java.util.Map<String, Boolean> found = new java.util.LinkedHashMap<>();
            remoteToLocal.forEach((remote, local) -> found.put(remote, download(sftp, remote, local)));
            return found;
        } finally {
            sftp.disconnect();
        }
    }

    private boolean download(ChannelSftp sftp, String remote, Path local) {
        try (OutputStream out = Files.newOutputStream(local)) {
            sftp.get(sftpPath(remote), out);
            return true;
        } catch (SftpException e) {
            try {
                Files.deleteIfExists(local);
            } catch (IOException ignored) {
                // nothing was written worth keeping
            }
            if (e.id == ChannelSftp.SSH_FX_NO_SUCH_FILE) {
                return false;
            }
            throw new BoardException("cannot copy " + remote + " from " + name + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + local, e);
        }
    }

    /**
     * A remote path as JSch's SFTP channel takes it: JSch reads {@code *} and {@code ?} in remote
     * paths as patterns and {@code \\} as their escape, so each is escaped to mean itself.
     */
    static String sftpPath(String path) {
        StringBuilder s = new StringBuilder(path.length() + 8);
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c == '\\' || c == '*' || c == '?') {
                s.append('\\');
            }
            s.append(c);
        }
        return s.toString();
    }

    private ChannelSftp sftp() {
        try {
            ChannelSftp sftp = (ChannelSftp) session.openChannel("sftp");
            sftp.connect((int) CHANNEL_TIMEOUT.toMillis());
            return sftp;
        } catch (JSchException e) {
            throw lost(e);
        }
    }

    private final LocalHashes localHashes = new LocalHashes();

    /** Hashes of local files, made again only when a file's size or modification time changes. */
    private static final class LocalHashes {
        private record Key(Path path, long size, long modified) {
        }

        private final java.util.Map<Key, String> known = new java.util.concurrent.ConcurrentHashMap<>();

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

    static String sha256(Path file) {
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
