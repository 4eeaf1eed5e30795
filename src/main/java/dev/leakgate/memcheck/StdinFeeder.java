package dev.leakgate.memcheck;

import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.CountDownLatch;

/**
 * Writes a program's input on a thread of its own, which alone touches the stream: closing is a
 * request the thread carries out once its write is done, so a program that never reads its input
 * cannot block its own timeout (a write stuck on a full pipe or SSH window ends when the program
 * or the channel does). Used for local processes and for commands on boards.
 */
public final class StdinFeeder {

    private final CountDownLatch close = new CountDownLatch(1);

    private StdinFeeder() {
    }

    /**
     * Starts writing {@code input} to {@code in}; closes it when written unless {@code keepOpen},
     * in which case {@link #closeWhenWritten()} closes it.
     */
    public static StdinFeeder start(OutputStream in, byte[] input, boolean keepOpen, String name) {
        StdinFeeder f = new StdinFeeder();
        if (!keepOpen) {
            f.close.countDown();
        }
        Thread t = new Thread(() -> {
            try {
                in.write(input);
                in.flush();
                f.close.await();
            } catch (IOException e) {
                // the program ended or closed its input: nothing more to write
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            try {
                in.close();
            } catch (IOException e) {
                // already closed by the program's end
            }
        }, "leakgate-stdin " + name);
        t.setDaemon(true);
        t.start();
        return f;
    }

    /** Asks for the input to be closed once it is written; never blocks. */
    public void closeWhenWritten() {
        close.countDown();
    }
}
