package dev.leakgate.board.ssh;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/**
 * The file channel of an SSH board, apart from its command channel (as labgrid's file transfer
 * protocol is apart from its command protocol): copies one file to a board path, or one board file
 * here. Chosen when the board connects, the best the board offers ({@link #choose}): SFTP, else the
 * scp protocol over an exec channel ({@code scp -t}/{@code scp -f}), else a plain stream over exec
 * ({@code cat}) checked with a checksum on both sides. Camera boards often run dropbear without an
 * SFTP server, or busybox without scp.
 */
interface FileTransfer {

    /** How files travel, for messages and the deploy line: "SFTP", "scp", "a stream checked with sha256sum". */
    String name();

    /** Copies a local file to exactly this board path (whose folder exists); throws when it cannot. */
    void put(Path local, String remote);

    /** Copies a board file here; false (and nothing written) when the board has no such file. */
    boolean get(String remote, Path local);

    /**
     * The transfer for this board: {@code preference} is "sftp", "scp", "stream" or "auto" (the
     * best that works). A forced one the board cannot do is refused with what it offers.
     */
    static FileTransfer choose(SshBoard board, String preference) {
        String p = preference == null ? "auto" : preference.trim().toLowerCase(Locale.ROOT);
        if (!p.equals("auto") && !p.equals("sftp") && !p.equals("scp") && !p.equals("stream")) {
            throw new BoardException("leakgate.board.transfer = '" + preference + "' is not a way to copy files: use"
                    + " auto (the default), sftp, scp or stream");
        }
        if (p.equals("auto") || p.equals("sftp")) {
            String why = SftpTransfer.probe(board);
            if (why == null) {
                return new SftpTransfer(board);
            }
            if (p.equals("sftp")) {
                throw new BoardException(board.name() + " offers no SFTP (" + why + "): set leakgate.board.transfer"
                        + " to auto, scp or stream");
            }
        }
        String ask = "for t in scp sha256sum md5sum cksum; do command -v $t >/dev/null 2>&1 && echo $t; done; echo end";
        String tools = board.run(ask, Duration.ofSeconds(20)).stdout();
        if (!tools.contains("end")) {
            // the answer did not arrive whole (a busy board, a dropped channel): ask once more before settling for less
            tools = board.run(ask, Duration.ofSeconds(60)).stdout();
        }
        if ((p.equals("auto") || p.equals("scp")) && tools.lines().anyMatch("scp"::equals)) {
            return new ScpTransfer(board);
        }
        if (p.equals("scp")) {
            throw new BoardException(board.name() + " has no scp program: set leakgate.board.transfer to auto or"
                    + " stream");
        }
        String hash = tools.lines().filter(t -> !t.equals("scp")).findFirst().orElse(null);
        return new StreamTransfer(board, hash == null ? null : Checksum.valueOf(hash.toUpperCase(Locale.ROOT)));
    }
}
