package dev.leakgate.memcheck;

/**
 * Frames by a 64-bit hash of their exact bytes in the document, so that a frame seen before is
 * recognised without reading its elements (see {@link XmlScanner#rawContent}). Different bytes
 * with the same hash would be confused with a chance of 2^-63 per pair. Bounded: when full it
 * starts again empty.
 */
final class RawFrameTable {

    private static final int MAX_ENTRIES = 1 << 18;
    private static final int INITIAL = 1024;

    /** Hashes with the low bit set: 0 marks an empty slot. */
    private long[] keys = new long[INITIAL];
    private Frame[] frames = new Frame[INITIAL];
    private int size;

    /** The frame stored under this hash (low bit set), or null. */
    Frame get(long hash) {
        int mask = keys.length - 1;
        for (int slot = slot(hash, mask); keys[slot] != 0; slot = (slot + 1) & mask) {
            if (keys[slot] == hash) {
                return frames[slot];
            }
        }
        return null;
    }

    void put(long hash, Frame frame) {
        if (size >= MAX_ENTRIES) {
            keys = new long[INITIAL];
            frames = new Frame[INITIAL];
            size = 0;
        } else if ((size + 1) * 2 > keys.length) {
            long[] oldKeys = keys;
            Frame[] oldFrames = frames;
            keys = new long[oldKeys.length * 2];
            frames = new Frame[oldKeys.length * 2];
            for (int i = 0; i < oldKeys.length; i++) {
                if (oldKeys[i] != 0) {
                    insert(oldKeys[i], oldFrames[i]);
                }
            }
        }
        insert(hash, frame);
        size++;
    }

    private void insert(long hash, Frame frame) {
        int mask = keys.length - 1;
        int slot = slot(hash, mask);
        while (keys[slot] != 0) {
            slot = (slot + 1) & mask;
        }
        keys[slot] = hash;
        frames[slot] = frame;
    }

    private static int slot(long hash, int mask) {
        return (int) (hash >>> 32) & mask;
    }
}
