package dev.leakgate.board.emulated;

import java.time.Duration;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.testcontainers.containers.output.OutputFrame;
import org.testcontainers.containers.wait.strategy.AbstractWaitStrategy;

/**
 * Waits for a board container to say it is ready (its log's host key line), keeping its whole log
 * as it comes, and gives up at once when the container stops first (a machine whose kernel panicked,
 * an image that refused to start), or at the timeout: either way the log read so far stays here for
 * the message, even after the container is gone.
 */
final class BootWatch extends AbstractWaitStrategy implements Consumer<OutputFrame> {

    /** Why the board did not become ready, in words. */
    static final class NotReady extends RuntimeException {
        private static final long serialVersionUID = 1L;

        NotReady(String message) {
            super(message);
        }
    }

    private final StringBuffer log = new StringBuffer();
    private final Pattern ready;

    BootWatch(Pattern ready, Duration timeout) {
        this.ready = ready;
        withStartupTimeout(timeout);
    }

    @Override
    public void accept(OutputFrame frame) {
        String text = frame.getUtf8String();
        if (text != null) {
            log.append(text);
        }
    }

    /** The log so far. */
    String log() {
        return log.toString();
    }

    @Override
    protected void waitUntilReady() {
        long deadline = System.nanoTime() + startupTimeout.toNanos();
        while (!ready.matcher(log).find()) {
            if (!waitStrategyTarget.isRunning()) {
                pause(); // the last frames of a stopped container's log may still be on their way
                if (ready.matcher(log).find()) {
                    return;
                }
                Long exit = waitStrategyTarget.getCurrentContainerInfo().getState().getExitCodeLong();
                throw new NotReady("it stopped before it was ready" + (exit == null ? "" : " (exit status " + exit + ")"));
            }
            if (System.nanoTime() > deadline) {
                throw new NotReady("it was not ready within " + startupTimeout.toSeconds() + " s");
            }
            pause();
        }
    }

    private static void pause() {
        try {
            Thread.sleep(200);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NotReady("the wait for it was interrupted");
        }
    }

    /** The {@link NotReady} among an exception's causes, if any. */
    static NotReady notReadyIn(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof NotReady n) {
                return n;
            }
        }
        return null;
    }
}
