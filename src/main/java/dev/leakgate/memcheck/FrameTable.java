package dev.leakgate.memcheck;

import java.util.Arrays;

/**
 * Canonical frames, so that each distinct frame of a report is made once however often stacks
 * repeat it. A frame is looked up by its ip and its signature: the text of its other elements as
 * read, tagged and joined in one char array. Comparing one array (and no strings) keeps a lookup
 * exact and cheap; the ips sit in an array of their own so that a probe touches no frame.
 * Bounded: when full it starts again empty.
 */
final class FrameTable {

    static final char OBJ = 'o';
    static final char FN = 'f';
    static final char DIR = 'd';
    static final char FILE = 'F';
    static final char LINE = 'l';
    /** Ends a field in a signature: XML text cannot hold it. */
    static final char END = '\0';

    private static final int MAX_ENTRIES = 1 << 17;
    private static final int INITIAL = 1024;

    private final TextTable names;
    private long[] ips = new long[INITIAL];
    private char[][] signatures = new char[INITIAL][];
    private Frame[] frames = new Frame[INITIAL];
    private int size;

    FrameTable(TextTable names) {
        this.names = names;
    }

    /** The frame with this ip and signature ({@code sig[0..length)}), made on first sight. */
    Frame get(long ip, char[] sig, int length) throws NumberFormatException {
        int mask = frames.length - 1;
        int slot = mix(ip) & mask;
        for (; frames[slot] != null; slot = (slot + 1) & mask) {
            if (ips[slot] == ip && Arrays.equals(signatures[slot], 0, signatures[slot].length, sig, 0, length)) {
                return frames[slot];
            }
        }
        char[] own = Arrays.copyOf(sig, length);
        Frame frame = make(ip, own);
        if (size >= MAX_ENTRIES) {
            ips = new long[INITIAL];
            signatures = new char[INITIAL][];
            frames = new Frame[INITIAL];
            size = 0;
        } else if ((size + 1) * 2 > frames.length) {
            long[] oldIps = ips;
            char[][] oldSignatures = signatures;
            Frame[] oldFrames = frames;
            ips = new long[oldFrames.length * 2];
            signatures = new char[oldFrames.length * 2][];
            frames = new Frame[oldFrames.length * 2];
            for (int i = 0; i < oldFrames.length; i++) {
                if (oldFrames[i] != null) {
                    insert(oldIps[i], oldSignatures[i], oldFrames[i]);
                }
            }
        }
        insert(ip, own, frame);
        size++;
        return frame;
    }

    private Frame make(long ip, char[] sig) {
        String obj = null;
        String fn = null;
        String dir = null;
        String file = null;
        int line = 0;
        int i = 0;
        while (i < sig.length) {
            char tag = sig[i];
            int start = i + 1;
            int end = start;
            while (sig[end] != END) {
                end++;
            }
            switch (tag) {
                case OBJ -> obj = names.get(sig, start, end - start);
                case FN -> fn = names.get(sig, start, end - start);
                case DIR -> dir = names.get(sig, start, end - start);
                case FILE -> file = names.get(sig, start, end - start);
                case LINE -> line = Integer.parseInt(new String(sig, start, end - start));
                default -> throw new IllegalStateException("unknown frame field tag " + tag);
            }
            i = end + 1;
        }
        return new Frame(ip, obj, fn, dir, file, line);
    }

    private void insert(long ip, char[] sig, Frame f) {
        int mask = frames.length - 1;
        int slot = mix(ip) & mask;
        while (frames[slot] != null) {
            slot = (slot + 1) & mask;
        }
        ips[slot] = ip;
        signatures[slot] = sig;
        frames[slot] = f;
    }

    private static int mix(long ip) {
        long h = ip * 0x9E3779B97F4A7C15L;
        return (int) (h >>> 40);
    }
}
