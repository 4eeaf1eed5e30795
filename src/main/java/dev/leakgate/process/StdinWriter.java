package dev.leakgate.process;

import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * Writes a program's input on a thread of its own, which alone touches the stream: writes and the
 * close are requests, carried out in order, so a caller never blocks, however the program reads
 * (a write stuck on a full pipe or SSH window ends when the program or the channel does). Used for
 * local processes and for commands on boards, for input given up front and for live protocols.
 */
public final class StdinWriter {

    private static final byte[] CLOSE = new byte[0];

    private final LinkedBlockingQueue<byte[]> queue = new LinkedBlockingQueue<>();
    private volatile boolean closed;

    private StdinWriter() {
    }

    /** Starts a writer on {@code in}; {@code name} names its thread. */
    public static StdinWriter start(OutputStream in, String name) {
        StdinWriter w = new StdinWriter();
        Thread t = new Thread(() -> {
            try {
                for (byte[] b = w.queue.take(); b != CLOSE; b = w.queue.take()) {
                    in.write(b);
                    in.flush();
                }
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
        return w;
    }

    /** Starts a writer that writes {@code input}, then closes unless {@code keepOpen}. */
    public static StdinWriter start(OutputStream in, byte[] input, boolean keepOpen, String name) {
        StdinWriter w = start(in, name);
        w.write(input);
        if (!keepOpen) {
            w.close();
        }
        return w;
    }

    /** Queues bytes to write; ignored after {@link #close()}. */
    public void write(byte[] bytes) {
        if (!closed && bytes.length > 0) {
            queue.add(bytes.clone());
        }
    }

    /** Queues the close, after what was written before; never blocks; a second call does nothing. */
    public void close() {
        if (!closed) {
            closed = true;
            queue.add(CLOSE);
        }
    }

    public boolean isClosed() {
        return closed;
    }
}
