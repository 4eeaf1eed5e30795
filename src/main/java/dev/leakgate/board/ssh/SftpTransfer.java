package dev.leakgate.board.ssh;

import com.jcraft.jsch.ChannelSftp;
import com.jcraft.jsch.JSchException;
import com.jcraft.jsch.SftpException;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Files over the SFTP subsystem (OpenSSH's sftp-server), one channel per file. */
final class SftpTransfer implements FileTransfer {

    private final SshBoard board;

    SftpTransfer(SshBoard board) {
        this.board = board;
    }

    /** Null when the board serves SFTP, else why not (dropbear without sftp-server refuses the subsystem). */
    static String probe(SshBoard board) {
        try {
            ChannelSftp sftp = open(board);
            sftp.disconnect();
            return null;
        } catch (BoardException e) {
            if (!board.isConnected()) {
                throw e;
            }
            return e.getMessage();
        }
    }

    private static ChannelSftp open(SshBoard board) {
        try {
            ChannelSftp sftp = (ChannelSftp) board.session().openChannel("sftp");
            sftp.connect((int) SshBoard.CHANNEL_TIMEOUT.toMillis());
            return sftp;
        } catch (JSchException e) {
            if (!board.isConnected()) {
                throw board.lost(e);
            }
            throw new BoardException("the SFTP subsystem did not start: " + e.getMessage(), e);
        }
    }

    @Override
    public String name() {
        return "SFTP";
    }

    @Override
    public void put(Path local, String remote) {
        ChannelSftp sftp = open(board);
        try (InputStream in = Files.newInputStream(local)) {
            sftp.put(in, sftpPath(remote));
        } catch (SftpException e) {
            throw new BoardException("cannot copy " + local + " to " + remote + " on " + board.name() + " over SFTP: "
                    + e.getMessage() + " (is the folder writable, is there space?)", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + local, e);
        } finally {
            sftp.disconnect();
        }
    }

    @Override
    public boolean get(String remote, Path local) {
        ChannelSftp sftp = open(board);
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
            throw new BoardException("cannot copy " + remote + " from " + board.name() + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + local, e);
        } finally {
            sftp.disconnect();
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
}
