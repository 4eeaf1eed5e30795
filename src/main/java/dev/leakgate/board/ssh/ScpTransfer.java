package dev.leakgate.board.ssh;

import dev.leakgate.process.ShellQuoting;

import com.jcraft.jsch.ChannelExec;
import com.jcraft.jsch.JSchException;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Files over the scp protocol on an exec channel: the board's {@code scp -t FILE} receives one,
 * {@code scp -f FILE} sends one (each side answers every step with a zero byte, or 1/2 and a
 * message). For boards whose SSH server runs no SFTP subsystem but has an scp program.
 */
final class ScpTransfer implements FileTransfer {

    private final SshBoard board;

    ScpTransfer(SshBoard board) {
        this.board = board;
    }

    @Override
    public String name() {
        return "scp";
    }

    @Override
    public void put(Path local, String remote) {
        ChannelExec channel = exec("scp -t -- " + ShellQuoting.quote(remote));
        try (InputStream from = channel.getInputStream(); OutputStream to = channel.getOutputStream();
             InputStream file = Files.newInputStream(local)) {
            channel.connect((int) SshBoard.CHANNEL_TIMEOUT.toMillis());
            ack(from, remote);
            long size = Files.size(local);
            String name = remote.substring(remote.lastIndexOf('/') + 1).replace("\n", "_");
            to.write(("C0644 " + size + " " + name + "\n").getBytes(StandardCharsets.UTF_8));
            to.flush();
            ack(from, remote);
            file.transferTo(to);
            to.write(0);
            to.flush();
            ack(from, remote);
        } catch (JSchException e) {
            throw board.lost(e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy " + local + " to " + remote + " over scp", e);
        } finally {
            channel.disconnect();
        }
    }

    @Override
    public boolean get(String remote, Path local) {
        ChannelExec channel = exec("scp -f -- " + ShellQuoting.quote(remote));
        try (InputStream from = channel.getInputStream(); OutputStream to = channel.getOutputStream()) {
            channel.connect((int) SshBoard.CHANNEL_TIMEOUT.toMillis());
            to.write(0);
            to.flush();
            int first = from.read();
            if (first == 1 || first == 2) {
                String error = line(from);
                if (error.contains("No such file")) {
                    return false;
                }
                throw new BoardException("cannot copy " + remote + " from " + board.name() + " over scp: " + error);
            }
            if (first != 'C') {
                throw new BoardException("cannot copy " + remote + " from " + board.name() + " over scp: the board's"
                        + " scp answered " + (first < 0 ? "nothing" : "'" + (char) first + "'"));
            }
            String[] header = line(from).split(" ", 3); // mode size name
            long size = Long.parseLong(header[1]);
            to.write(0);
            to.flush();
            try (OutputStream out = Files.newOutputStream(local)) {
                byte[] buf = new byte[1 << 16];
                for (long left = size; left > 0; ) {
                    int n = from.read(buf, 0, (int) Math.min(buf.length, left));
                    if (n < 0) {
                        throw new BoardException("the copy of " + remote + " from " + board.name() + " over scp was"
                                + " cut off after " + (size - left) + " of " + size + " bytes");
                    }
                    out.write(buf, 0, n);
                    left -= n;
                }
            }
            ack(from, remote);
            to.write(0);
            to.flush();
            return true;
        } catch (JSchException e) {
            throw board.lost(e);
        } catch (IOException | NumberFormatException | ArrayIndexOutOfBoundsException e) {
            throw new BoardException("cannot copy " + remote + " from " + board.name() + " over scp: " + e, e);
        } finally {
            channel.disconnect();
        }
    }

    private ChannelExec exec(String command) {
        try {
            ChannelExec channel = (ChannelExec) board.session().openChannel("exec");
            channel.setCommand(command);
            return channel;
        } catch (JSchException e) {
            throw board.lost(e);
        }
    }

    private void ack(InputStream from, String remote) throws IOException {
        int b = from.read();
        if (b == 0) {
            return;
        }
        String why = b == 1 || b == 2 ? line(from) : b < 0 ? "the channel closed" : "'" + (char) b + "'";
        throw new BoardException("cannot copy " + remote + " on " + board.name() + " over scp: " + why
                + " (is the folder writable, is there space?)");
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder s = new StringBuilder();
        for (int c = in.read(); c >= 0 && c != '\n' && s.length() < 4096; c = in.read()) {
            s.append((char) c);
        }
        return s.toString();
    }
}
