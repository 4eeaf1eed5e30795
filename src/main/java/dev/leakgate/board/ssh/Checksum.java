package dev.leakgate.board.ssh;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/**
 * The checksum tools a board may have, computed the same way here: coreutils' or busybox's
 * {@code sha256sum} and {@code md5sum}, and POSIX {@code cksum} (a CRC-32 over the bytes and their
 * length), which even the smallest busybox has.
 */
enum Checksum {
    SHA256SUM, MD5SUM, CKSUM;

    /** The tool's name on the board. */
    String tool() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The checksum as the tool prints it first on its line (for cksum: "CRC SIZE"). */
    String of(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            if (this == CKSUM) {
                return cksum(in);
            }
            MessageDigest d = MessageDigest.getInstance(this == SHA256SUM ? "SHA-256" : "MD5");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                d.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(d.digest());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** What the tool printed for one file, as {@link #of} gives it: the fields before the file name. */
    String parse(String line) {
        String[] f = line.trim().split("\\s+");
        if (this == CKSUM) {
            return f.length >= 2 ? f[0] + " " + f[1] : "";
        }
        return f.length >= 1 ? f[0] : "";
    }

    private static final int[] TABLE = new int[256];

    static {
        for (int i = 0; i < 256; i++) {
            int c = i << 24;
            for (int k = 0; k < 8; k++) {
                c = (c & 0x80000000) != 0 ? (c << 1) ^ 0x04C11DB7 : c << 1;
            }
            TABLE[i] = c;
        }
    }

    /** POSIX cksum: CRC-32 (polynomial 0x04C11DB7, MSB first) over the bytes, then the length, complemented. */
    private static String cksum(InputStream in) throws IOException {
        int crc = 0;
        long length = 0;
        byte[] buf = new byte[1 << 16];
        for (int n; (n = in.read(buf)) > 0; ) {
            for (int i = 0; i < n; i++) {
                crc = (crc << 8) ^ TABLE[((crc >>> 24) ^ buf[i]) & 0xff];
            }
            length += n;
        }
        for (long l = length; l != 0; l >>>= 8) {
            crc = (crc << 8) ^ TABLE[((crc >>> 24) ^ (int) l) & 0xff];
        }
        return Integer.toUnsignedString(~crc) + " " + length;
    }
}
