package dev.leakgate.board.ssh;

import dev.leakgate.process.RunIdentity;

import com.jcraft.jsch.ChannelExec;
import com.jcraft.jsch.JSchException;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A short shell command of leakgate's own that the board runs again each time it is asked, in one
 * shell that stays on one channel: {@code while read; do COMMAND; echo END; done}. Asking costs a line
 * each way, where {@link SshBoard#run} costs a new channel, a new session on the board's SSH server and
 * a new shell: under emulation, a program started on the board for each sample of a run's memory
 * took a real share of a slow board's CPU. The command should use shell builtins only, so that
 * asking starts no program at all. The shell ends when the channel closes: when this is closed,
 * when the connection drops, when leakgate's JVM ends.
 */
public final class AskedCommand implements AutoCloseable {

    private final ChannelExec channel;
    private final OutputStream ask;
    private final BufferedReader answers;
    private final String end;

    private AskedCommand(ChannelExec channel, OutputStream ask, BufferedReader answers, String end) {
        this.channel = channel;
        this.ask = ask;
        this.answers = answers;
        this.end = end;
    }

    /** Starts the shell on a channel of its own; throws {@link BoardException} when the connection is lost. */
    static AskedCommand start(SshBoard board, String command) {
        String end = "leakgate-end-" + RunIdentity.newId();
        ChannelExec channel = null;
        try {
            channel = board.openExec();
            channel.setCommand("while read -r _; do " + command + "\necho " + end + "; done");
            channel.setErrStream(OutputStream.nullOutputStream());
            OutputStream ask = channel.getOutputStream();
            BufferedReader answers = new BufferedReader(new InputStreamReader(channel.getInputStream(),
                    StandardCharsets.UTF_8));
            channel.connect((int) SshBoard.CHANNEL_TIMEOUT.toMillis());
            return new AskedCommand(channel, ask, answers, end);
        } catch (JSchException | IOException e) {
            if (channel != null) {
                channel.disconnect();
            }
            throw board.lost(e);
        }
    }

    /**
     * Runs the command once more and returns its output lines; throws {@link BoardException} when the
     * shell is gone (the connection dropped, the channel closed).
     */
    public synchronized List<String> ask() {
        try {
            ask.write('\n');
            ask.flush();
            List<String> lines = new ArrayList<>();
            for (String line; (line = answers.readLine()) != null; ) {
                if (line.equals(end)) {
                    return lines;
                }
                lines.add(line);
            }
        } catch (IOException e) {
            throw new BoardException("the board's shell for a repeated command is gone: " + e.getMessage(), e);
        }
        throw new BoardException("the board's shell for a repeated command ended");
    }

    /** Ends the shell: its input closes, and the channel with it. */
    @Override
    public void close() {
        try {
            ask.close();
        } catch (IOException e) {
            // the channel is going anyway
        }
        channel.disconnect();
    }
}
