package dev.leakgate.memcheck;

/**
 * Canonical frames, so that each distinct frame of a report is made once however often stacks
 * repeat it. A frame is known by its ip and a 63-bit hash of its signature: the text of its other
 * elements as read, tagged and joined. In valgrind's output an ip always has the same function,
 * file and line, so the hash only has to tell apart what valgrind never writes; two different
 * frames at one ip would be confused with a chance of 2^-63. Ip and hash sit side by side in one
 * array, so a lookup reads one cache line and no frame. Bounded: when full it starts again empty.
 */
final class FrameTable {

    static final char OBJ = 'o';
    static final char FN = 'f';
    static final char DIR = 'd';
    static final char FILE = 'F';
    static final char LINE = 'l';
    /** Ends a field in a signature: XML text cannot hold it. */
    static final char END = '\0';

    private static final int MAX_ENTRIES = 1 << 18;
    private static final int INITIAL = 1024;

    private final TextTable names;
    /** Per slot: ip, then the signature hash with its low bit set (0 marks an empty slot). */
    private long[] keys = new long[2 * INITIAL];
    private Frame[] frames = new Frame[INITIAL];
    private int size;

    FrameTable(TextTable names) {
        this.names = names;
    }

    /** The frame with this ip and signature ({@code sig[0..length)}), made on first sight. */
    Frame get(long ip, char[] sig, int length) {
        long hash = hash(sig, length) | 1L;
        int mask = frames.length - 1;
        int slot = mix(ip, hash) & mask;
        for (long k; (k = keys[2 * slot + 1]) != 0; slot = (slot + 1) & mask) {
            if (k == hash && keys[2 * slot] == ip) {
                return frames[slot];
            }
        }
        Frame frame = make(ip, sig, length);
        if (size >= MAX_ENTRIES) {
            keys = new long[2 * INITIAL];
            frames = new Frame[INITIAL];
            size = 0;
        } else if ((size + 1) * 2 > frames.length) {
            long[] oldKeys = keys;
            Frame[] oldFrames = frames;
            keys = new long[oldKeys.length * 2];
            frames = new Frame[oldFrames.length * 2];
            for (int i = 0; i < oldFrames.length; i++) {
                if (oldFrames[i] != null) {
                    insert(oldKeys[2 * i], oldKeys[2 * i + 1], oldFrames[i]);
                }
            }
        }
        insert(ip, hash, frame);
        size++;
        return frame;
    }

    private Frame make(long ip, char[] sig, int length) {
        String obj = null;
        String fn = null;
        String dir = null;
        String file = null;
        int line = 0;
        int i = 0;
        while (i < length) {
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

    private void insert(long ip, long hash, Frame f) {
        int mask = frames.length - 1;
        int slot = mix(ip, hash) & mask;
        while (frames[slot] != null) {
            slot = (slot + 1) & mask;
        }
        keys[2 * slot] = ip;
        keys[2 * slot + 1] = hash;
        frames[slot] = f;
    }

    private static long hash(char[] sig, int length) {
        long h = 0xCBF29CE484222325L;
        int i = 0;
        for (; i + 4 <= length; i += 4) {
            long word = sig[i] | (long) sig[i + 1] << 16 | (long) sig[i + 2] << 32 | (long) sig[i + 3] << 48;
            h = (h ^ word) * 0x9E3779B97F4A7C15L;
            h ^= h >>> 29;
        }
        for (; i < length; i++) {
            h = (h ^ sig[i]) * 0x100000001B3L;
        }
        h ^= h >>> 33;
        h *= 0xFF51AFD7ED558CCDL;
        h ^= h >>> 33;
        h *= 0xC4CEB9FE1A85EC53L;
        return h ^ (h >>> 33);
    }

    private static int mix(long ip, long hash) {
        long h = (ip ^ hash) * 0x9E3779B97F4A7C15L;
        return (int) (h >>> 40);
    }
}
