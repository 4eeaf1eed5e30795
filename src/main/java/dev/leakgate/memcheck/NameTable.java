package dev.leakgate.memcheck;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Shared strings for the few element names a document uses, looked up from bytes. */
final class NameTable {
    private byte[][] keys = new byte[64][];
    private String[] values = new String[64];
    private int size;
    /** The bytes of the name {@link #get} returned last. */
    byte[] lastBytes;

    /** {@code h}: 1, then {@code h = 31 * h + byte} over the name's bytes. */
    String get(byte[] b, int from, int length, int h) {
        int mask = keys.length - 1;
        for (int slot = (h ^ (h >>> 16)) & mask; ; slot = (slot + 1) & mask) {
            byte[] k = keys[slot];
            if (k == null) {
                String s = new String(b, from, length, StandardCharsets.UTF_8).intern();
                lastBytes = Arrays.copyOfRange(b, from, from + length);
                if (size < 4096) {
                    keys[slot] = lastBytes;
                    values[slot] = s;
                    if (++size * 2 > keys.length) {
                        grow();
                    }
                }
                return s;
            }
            if (Arrays.equals(k, 0, k.length, b, from, from + length)) {
                lastBytes = k;
                return values[slot];
            }
        }
    }

    private void grow() {
        byte[][] oldKeys = keys;
        String[] oldValues = values;
        keys = new byte[oldKeys.length * 2][];
        values = new String[oldKeys.length * 2];
        int mask = keys.length - 1;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != null) {
                int h = 1;
                for (byte x : oldKeys[i]) {
                    h = 31 * h + x;
                }
                int slot = (h ^ (h >>> 16)) & mask;
                while (keys[slot] != null) {
                    slot = (slot + 1) & mask;
                }
                keys[slot] = oldKeys[i];
                values[slot] = oldValues[i];
            }
        }
    }
}
