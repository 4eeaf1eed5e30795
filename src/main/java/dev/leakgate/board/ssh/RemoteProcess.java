package dev.leakgate.board.ssh;

import dev.leakgate.process.ShellQuoting;
import dev.leakgate.process.StdinWriter;
import dev.leakgate.process.Termination;

import com.jcraft.jsch.ChannelExec;
import com.jcraft.jsch.Session;

import java.time.Duration;

/**
 * A command started on the board and running: its input, its end, the signals sent to its
 * process group. Not thread-safe but for {@link #write} and {@link #closeStdin}, which never block.
 */
public final class RemoteProcess implements AutoCloseable {
    private final SshBoard board;
    private final ChannelExec channel;
    private final StdinWriter stdin;
    private final String pidFile;
    private final String endStrays;
    private final StringBuilder strays = new StringBuilder();
    /**
     * The connection the command runs over. Its loss is judged by it, not by the board's connection
     * now, which a later command of leakgate's may have made anew ({@link SshBoard#openExec}).
     */
    private final Session over;
    private boolean held;

    RemoteProcess(SshBoard board, ChannelExec channel, StdinWriter stdin, String pidFile, String endStrays) {
        this.board = board;
        this.channel = channel;
        this.over = SshBoard.sessionOf(channel);
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
                throw board.lost(null);
            }
            long now = System.nanoTime();
            if (exitedAt == 0 && (channel.getExitStatus() != -1 || channel.getExitSignal() != null)) {
                exitedAt = now;
            }
            if (exitedAt != 0 && now - exitedAt > SshBoard.DRAIN.toNanos()) {
                held = true; // the strays first, so that each is named, then what is left of the group
                strays.append(board.run(endStrays + "; " + SshBoard.killGroupCommand(pidFile), SshBoard.CHANNEL_TIMEOUT).stdout());
                board.waitClosed(channel, Duration.ofSeconds(10));
                return true;
            }
            if (now > deadline) {
                return false;
            }
            board.sleep(20);
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
        long until = System.nanoTime() + SshBoard.DRAIN.toNanos();
        while (over.isConnected() && System.nanoTime() < until) {
            board.sleep(20);
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
        strays.append(board.run(endStrays, SshBoard.CHANNEL_TIMEOUT).stdout());
        board.waitClosed(channel, Duration.ofSeconds(10));
    }

    /** Sends a signal ("TERM", "INT", "USR1", ...) to the command's process group. */
    public void signal(String signalName) {
        if (!signalName.matches("[A-Z0-9]+")) {
            throw new IllegalArgumentException("'" + signalName + "' is not a signal name such as TERM or USR1");
        }
        board.quietly("read p < " + ShellQuoting.quote(pidFile) + " && kill -s " + signalName + " -- -$p 2>/dev/null");
    }

    /** How it ended, once it has ended ({@code termination}: the step that ended it). */
    public SshBoard.Outcome finish(Termination termination) {
        int status = channel.getExitStatus();
        String signal = channel.getExitSignal();
        return new SshBoard.Outcome(termination, termination == Termination.KILLED ? -1 : status,
                signal == null || signal.isBlank() ? null : signal, held, strays.toString());
    }

    /** Closes the channel (the command, if still running, is ended by the caller's clean-up). */
    @Override
    public void close() {
        stdin.close();
        channel.disconnect();
    }
}
