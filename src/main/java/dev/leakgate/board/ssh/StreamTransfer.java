package dev.leakgate.board.ssh;

import dev.leakgate.process.ShellQuoting;

import com.jcraft.jsch.ChannelExec;
import com.jcraft.jsch.JSchException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Files as a plain byte stream over an exec channel, for boards with neither SFTP nor scp: {@code cat
 * > FILE} takes one, {@code cat FILE} gives one, and each copy is checked with a checksum computed on
 * both sides ({@code sha256sum}, else {@code md5sum}, else {@code cksum}; with none, by size).
 */
final class StreamTransfer implements FileTransfer {

    private final SshBoard board;
    private final Checksum checksum;

    StreamTransfer(SshBoard board, Checksum checksum) {
        this.board = board;
        this.checksum = checksum;
    }

    @Override
    public String name() {
        return "a stream (cat) checked with " + (checksum == null ? "its size (the board has no checksum tool)"
                : checksum.tool());
    }

    /** The board's checksum of a file, read on stdin: the tools then print no (escaped) file name. */
    private String check(String quotedPath) {
        return (checksum == null ? "wc -c" : checksum.tool()) + " < " + quotedPath;
    }

    private String expected(Path local) throws IOException {
        return checksum == null ? String.valueOf(Files.size(local)) : checksum.of(local);
    }

    private String parse(String printed) {
        return checksum == null ? printed.strip() : checksum.parse(printed);
    }

    @Override
    public void put(Path local, String remote) {
        String q = ShellQuoting.quote(remote);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = exec("cat > " + q + " && " + check(q), local, out, err);
        try {
            String want = expected(local);
            String got = parse(out.toString(StandardCharsets.UTF_8));
            if (status != 0 || !want.equals(got)) {
                throw new BoardException("cannot copy " + local + " to " + remote + " on " + board.name() + " as a"
                        + " stream: " + (status != 0 ? "the board said '" + err.toString(StandardCharsets.UTF_8).strip()
                        + "' (is the folder writable, is there space?)" : "the copy's checksum differs (" + got
                        + " there, " + want + " here)"));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + local, e);
        }
    }

    @Override
    public boolean get(String remote, Path local) {
        String q = ShellQuoting.quote(remote);
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status;
        try (OutputStream out = Files.newOutputStream(local)) {
            // the checksum first on stderr, then the bytes on stdout: one channel
            status = exec("[ -f " + q + " ] || exit 3; " + check(q) + " >&2 && cat " + q, null, out, err);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + local, e);
        }
        try {
            if (status == 3) {
                Files.deleteIfExists(local);
                return false;
            }
            String got = parse(err.toString(StandardCharsets.UTF_8));
            String want = expected(local);
            if (status != 0 || !want.equals(got)) {
                throw new BoardException("cannot copy " + remote + " from " + board.name() + " as a stream: "
                        + (status != 0 ? "the board said '" + err.toString(StandardCharsets.UTF_8).strip() + "'"
                        : "the copy's checksum differs (" + got + " there, " + want + " here)"));
            }
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + local, e);
        }
    }

    /** Runs a command with this file (or nothing) as its input; its exit status. */
    private int exec(String command, Path input, OutputStream out, OutputStream err) {
        ChannelExec channel = null;
        try {
            channel = (ChannelExec) board.session().openChannel("exec");
            channel.setCommand(command);
            channel.setOutputStream(out, true);
            channel.setErrStream(err, true);
            OutputStream to = channel.getOutputStream();
            channel.connect((int) SshBoard.CHANNEL_TIMEOUT.toMillis());
            if (input != null) {
                try (InputStream in = Files.newInputStream(input)) {
                    in.transferTo(to);
                }
            }
            to.close();
            long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
            while (!channel.isClosed()) {
                if (!board.isConnected()) {
                    throw board.lost(null);
                }
                if (System.nanoTime() > deadline) {
                    throw new BoardException("a copy to or from " + board.name() + " took more than 10 minutes");
                }
                Thread.sleep(5);
            }
            return channel.getExitStatus();
        } catch (JSchException e) {
            throw board.lost(e);
        } catch (IOException e) {
            throw board.lost(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BoardException("interrupted while copying with " + board.name(), e);
        } finally {
            if (channel != null) {
                channel.disconnect();
            }
        }
    }
}
