package dev.leakgate.memcheck;

/**
 * Canonical strings for character ranges, so that the names a report repeats thousands of times
 * (functions, files, objects) are made once and shared, and a repeated name costs no allocation.
 * Bounded: when full it starts again empty.
 */
final class TextTable {

    private static final int MAX_ENTRIES = 1 << 17;

    private String[] table = new String[1024];
    private int[] hashes = new int[1024];
    private int size;

    String get(char[] buf, int start, int len) {
        int h = 0;
        for (int i = start, end = start + len; i < end; i++) {
            h = 31 * h + buf[i];
        }
        int mask = table.length - 1;
        int slot = mix(h) & mask;
        while (true) {
            String s = table[slot];
            if (s == null) {
                break;
            }
            if (hashes[slot] == h && equal(s, buf, start, len)) {
                return s;
            }
            slot = (slot + 1) & mask;
        }
        String s = new String(buf, start, len);
        if (size >= MAX_ENTRIES) {
            clear();
            slot = mix(h) & (table.length - 1);
        } else if ((size + 1) * 2 > table.length) {
            grow();
            slot = mix(h) & (table.length - 1);
            while (table[slot] != null) {
                slot = (slot + 1) & (table.length - 1);
            }
        }
        table[slot] = s;
        hashes[slot] = h;
        size++;
        return s;
    }

    private static int mix(int h) {
        return h ^ (h >>> 16);
    }

    private static boolean equal(String s, char[] buf, int start, int len) {
        if (s.length() != len) {
            return false;
        }
        for (int i = 0; i < len; i++) {
            if (s.charAt(i) != buf[start + i]) {
                return false;
            }
        }
        return true;
    }

    private void grow() {
        String[] oldTable = table;
        int[] oldHashes = hashes;
        table = new String[oldTable.length * 2];
        hashes = new int[oldTable.length * 2];
        int mask = table.length - 1;
        for (int i = 0; i < oldTable.length; i++) {
            if (oldTable[i] != null) {
                int slot = mix(oldHashes[i]) & mask;
                while (table[slot] != null) {
                    slot = (slot + 1) & mask;
                }
                table[slot] = oldTable[i];
                hashes[slot] = oldHashes[i];
            }
        }
    }

    private void clear() {
        table = new String[1024];
        hashes = new int[1024];
        size = 0;
    }
}
