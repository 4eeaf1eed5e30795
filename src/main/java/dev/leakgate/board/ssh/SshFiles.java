package dev.leakgate.board.ssh;

import dev.leakgate.process.RunIdentity;
import dev.leakgate.process.ShellQuoting;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The file channel of one SSH connection to a board, beside its command channel ({@link SshBoard}):
 * how files travel (SFTP, scp or a checked stream, chosen by what the board offers), copies that skip
 * what is already there, content-addressed placement from the board's store, and downloads.
 */
public final class SshFiles {

    private final SshBoard board;
    private FileTransfer transfer;

    SshFiles(SshBoard board) {
        this.board = board;
    }

    /**
     * How files travel to and from this board: chosen on first use, the best the board offers
     * (see {@link FileTransfer#choose}), unless {@link #useFileTransfer} chose first.
     */
    synchronized FileTransfer transfer() {
        if (transfer == null) {
            transfer = FileTransfer.choose(board, "auto");
        }
        return transfer;
    }

    /** Chooses how files travel: "auto" (the default), "sftp", "scp" or "stream" ({@code leakgate.board.transfer}). */
    public synchronized void useFileTransfer(String preference) {
        transfer = FileTransfer.choose(board, preference);
    }

    /** How files travel, for messages: "SFTP", "scp", "a stream (cat) checked with sha256sum". */
    public String fileTransferName() {
        return transfer().name();
    }

    /**
     * Copies a file to {@code remoteDir/name} unless a file with the same SHA-256 is already
     * there; keeps the executable bit. The copy goes to a temporary name first and is renamed into
     * place, so a copy cut off never passes for the file. Returns true when it copied, false when
     * it skipped.
     *
     * <p>Beside each copied file, {@code name.leakgate-sha256} records its hash with the size and
     * modification time it had when copied; while those still match, the record stands for the
     * file, so an unchanged redeploy costs one short command instead of hashing the file on the
     * board. A file changed on the board in any way that touches its size or time is hashed anew.
     */
    public boolean upload(Path local, String remoteDir, String remoteName) {
        return place(local, remoteDir, remoteName, null) == Placed.COPIED;
    }

    /** How {@link #place} put a file on the board. */
    public enum Placed {
        /** The same content was already there under that name. */
        UNCHANGED,
        /** Copied over the connection. */
        COPIED,
        /** Linked from the board's store of deployed content: copied once, for another folder. */
        LINKED
    }

    /**
     * As {@link #upload}, with a store of deployed content on the board ({@code store}: a folder on
     * the same file system, or null for none): a file whose content is there already, deployed for
     * another folder, is hard-linked into place instead of copied again, and a file copied is added
     * to it. A store entry is used only while its size and modification time are those recorded when
     * it was stored (so one changed on the board is copied afresh), and only after its size matches.
     */
    public Placed place(Path local, String remoteDir, String remoteName, String store) {
        String remote = remoteDir + "/" + remoteName;
        String q = ShellQuoting.quote(remote);
        String record = ShellQuoting.quote(remote + ".leakgate-sha256");
        String localHash = localHashes.of(local);
        String stored = store == null ? null : ShellQuoting.quote(store + "/" + localHash);
        // read and echo are shell builtins: under emulation every program started costs ~0.1 s
        SshBoard.Result seen = board.run("r=; read -r r < " + record + " 2>/dev/null; echo \"$r\"; stat -c '%s %Y' " + q + " 2>/dev/null"
                + (stored == null ? "" : "; echo; s=; read -r s < " + stored + ".rec 2>/dev/null; echo \"store=$s|$(stat -c"
                + " '%s %Y' " + stored + " 2>/dev/null)\""), SshBoard.CHANNEL_TIMEOUT);
        String[] lines = seen.stdout().split("\n", -1);
        String recorded = lines.length > 0 ? lines[0].trim() : "";
        String now = lines.length > 1 ? lines[1].trim() : "";
        if (!now.isEmpty() && recorded.equals(localHash + " " + now)) {
            return Placed.UNCHANGED;
        }
        if (!now.isEmpty() && recorded.isEmpty()) {
            // copied by something else: trust only its content (where the board can hash it)
            SshBoard.Result hashed = board.run("sha256sum < " + q, Duration.ofMinutes(2));
            if (hashed.ok() && hashed.stdout().startsWith(localHash)) {
                recordHash(q, record, localHash);
                return Placed.UNCHANGED;
            }
        }
        SshBoard.Result made = board.run("mkdir -p " + ShellQuoting.quote(remoteDir), SshBoard.CHANNEL_TIMEOUT);
        if (!made.ok()) {
            String why = made.stderr().strip();
            throw new BoardException("cannot make the folder " + remoteDir + " on " + board.name() + " (" + why + "): "
                    + (why.contains("Read-only") ? "that part of the board's file system is read-only, as on most"
                    + " camera firmware; set leakgate.board.dir to a writable folder (a RAM disk such as /tmp)"
                    : "set leakgate.board.dir to a folder leakgate may write"));
        }
        // a name of this copy's own: two JVMs deploying the same file to one board at once never share it,
        // and the rename into place is atomic
        String partial = remote + "." + RunIdentity.newId() + ".partial";
        String mode = "chmod " + (Files.isExecutable(local) ? "755 " : "644 ") + ShellQuoting.quote(partial);
        String intoPlace = " && mv -f " + ShellQuoting.quote(partial) + " " + q + " && printf '%s %s\\n' " + localHash
                + " \"$(stat -c '%s %Y' " + q + ")\" > " + record;
        if (stored != null && storeEntryIntact(seen.stdout(), local)) {
            SshBoard.Result linked = board.run("ln -f " + stored + " " + ShellQuoting.quote(partial) + " && " + mode + intoPlace,
                    SshBoard.CHANNEL_TIMEOUT);
            if (linked.ok()) {
                return Placed.LINKED;
            }
            board.run("rm -f " + ShellQuoting.quote(partial), SshBoard.CHANNEL_TIMEOUT); // another file system: copy it
        }
        transfer().put(local, partial);
        SshBoard.Result placed = board.run(mode + intoPlace, SshBoard.CHANNEL_TIMEOUT);
        if (!placed.ok()) {
            throw new BoardException("cannot put " + local + " in place as " + remote + " on " + board.name() + ": "
                    + placed.stderr().strip() + " (is the folder writable, is there space?)");
        }
        if (stored != null) { // kept for other folders; a store that cannot be written only costs copies
            board.run("mkdir -p " + ShellQuoting.quote(store) + " && ln -f " + q + " " + stored + " && printf '%s\\n' \"$(stat -c"
                    + " '%s %Y' " + stored + ")\" > " + stored + ".rec", SshBoard.CHANNEL_TIMEOUT);
        }
        return Placed.COPIED;
    }

    /** Whether the store line of {@link #place}'s first command shows an entry as it was stored, of the local size. */
    private static boolean storeEntryIntact(String firstAnswer, Path local) {
        int at = firstAnswer.indexOf("store=");
        if (at < 0) {
            return false;
        }
        String line = firstAnswer.substring(at + 6).split("\n", 2)[0].trim();
        int bar = line.indexOf('|');
        if (bar < 0) {
            return false;
        }
        String recorded = line.substring(0, bar).trim();
        String current = line.substring(bar + 1).trim();
        try {
            return !recorded.isEmpty() && recorded.equals(current)
                    && current.startsWith(Files.size(local) + " ");
        } catch (IOException e) {
            return false;
        }
    }

    /** Writes the record of a deployed file: its hash, size and modification time. */
    private void recordHash(String quotedFile, String quotedRecord, String hash) {
        board.run("printf '%s %s\\n' " + hash + " \"$(stat -c '%s %Y' " + quotedFile + ")\" > " + quotedRecord, SshBoard.CHANNEL_TIMEOUT);
    }

    /** Copies a board file to a local file; returns false (and writes nothing) when it does not exist. */
    public boolean download(String remote, Path local) {
        return transfer().get(remote, local);
    }

    /** Copies board files to local files; for each, whether it existed (a missing one writes nothing). */
    public Map<String, Boolean> download(Map<String, Path> remoteToLocal) {
        Map<String, Boolean> found = new LinkedHashMap<>();
        remoteToLocal.forEach((remote, local) -> found.put(remote, transfer().get(remote, local)));
        return found;
    }

    private final LocalHashes localHashes = new LocalHashes();

    /** Hashes of local files, made again only when a file's size or modification time changes. */
    private static final class LocalHashes {
        private record Key(Path path, long size, long modified) {
        }

        private final Map<Key, String> known = new ConcurrentHashMap<>();

        String of(Path file) {
            try {
                Path real = file.toRealPath();
                Key key = new Key(real, Files.size(real), Files.getLastModifiedTime(real).toMillis());
                return known.computeIfAbsent(key, k -> sha256(k.path()));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file, e);
            }
        }
    }

    public static String sha256(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                digest.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
