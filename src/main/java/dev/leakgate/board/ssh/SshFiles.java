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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

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
        return placeAll(List.of(new Target(local, remoteDir, remoteName)), null, null).get(0) == Placed.COPIED;
    }

    /** How {@link #placeAll} put a file on the board. */
    public enum Placed {
        /** The same content was already there under that name. */
        UNCHANGED,
        /** Copied over the connection. */
        COPIED,
        /** Linked from the board's store of deployed content: copied once, for another folder. */
        LINKED
    }

    /** The most files {@link #placeAll} looks at in one command. */
    private static final int BATCH = 200;

    /** A local file and where it goes on the board: {@code remoteDir/remoteName}. */
    public record Target(Path local, String remoteDir, String remoteName) {
        String remote() {
            return remoteDir + "/" + remoteName;
        }
    }

    /**
     * As {@link #upload}, for many files at once, with a store of deployed content on the board
     * ({@code store}: a folder on the same file system, or null for none): a file whose content is there
     * already, deployed for another folder, is hard-linked into place instead of copied again, and a file
     * copied is added to it. A store entry is used only while its size and modification time are those
     * recorded when it was stored (so one changed on the board is copied afresh), and only after its size
     * matches. One command looks at all the files (their records, their sizes and times, the store's
     * entries), run after {@code before} (a command of the caller's, or null), one more links all that
     * the store holds, and only files to copy cost a command each, so an unchanged deploy is one round
     * trip however many files it has. The answers in the files' order.
     */
    public List<Placed> placeAll(List<Target> targets, String store, String before) {
        if (targets.size() > BATCH) { // a command line of bounded length
            List<Placed> placed = new ArrayList<>(placeAll(targets.subList(0, BATCH), store, before));
            placed.addAll(placeAll(targets.subList(BATCH, targets.size()), store, null));
            return placed;
        }
        List<String> hashes = targets.stream().map(t -> localHashes.of(t.local())).toList();
        Survey seen = Survey.of(board, targets, hashes, store, before);
        Placed[] placed = new Placed[targets.size()];
        List<Integer> toLink = new ArrayList<>();
        List<Integer> toCopy = new ArrayList<>();
        for (int i = 0; i < targets.size(); i++) {
            Target t = targets.get(i);
            String recorded = seen.recorded(i);
            String now = seen.sizeAndTime(t.remote());
            if (!now.isEmpty() && recorded.equals(hashes.get(i) + " " + now)) {
                placed[i] = Placed.UNCHANGED;
            } else if (!now.isEmpty() && recorded.isEmpty() && sameContent(t, hashes.get(i))) {
                placed[i] = Placed.UNCHANGED; // copied by something else: trusted for its content alone
            } else if (store != null && seen.storeEntryIntact(i, store + "/" + hashes.get(i), size(t.local()))) {
                toLink.add(i);
            } else {
                toCopy.add(i);
            }
        }
        if (toLink.isEmpty() && toCopy.isEmpty()) {
            return List.of(placed);
        }
        makeFolders(targets, toLink, toCopy);
        for (int i : link(targets, hashes, store, toLink)) {
            placed[i] = Placed.LINKED;
        }
        for (int i : toLink) {
            if (placed[i] == null) {
                toCopy.add(i); // the store is on another file system, or went away: copy it
            }
        }
        for (int i : toCopy) {
            copy(targets.get(i), hashes.get(i), store);
            placed[i] = Placed.COPIED;
        }
        return List.of(placed);
    }

    /** What the first command of {@link #placeAll} saw: each file's record and store record, and the sizes and times. */
    private record Survey(Map<Integer, String> records, Map<Integer, String> storeRecords, Map<String, String> stats) {

        static Survey of(SshBoard board, List<Target> targets, List<String> hashes, String store, String before) {
            // read, echo and [ are shell builtins; one stat for all: under emulation every program started costs ~0.1 s
            StringBuilder command = new StringBuilder(before == null ? "" : before + "; ");
            Set<String> statted = new LinkedHashSet<>();
            for (int i = 0; i < targets.size(); i++) {
                String remote = targets.get(i).remote();
                command.append("r=; read -r r < ").append(ShellQuoting.quote(remote + ".leakgate-sha256"))
                        .append(" 2>/dev/null; echo \"R").append(i).append(" $r\"; ");
                statted.add(remote);
                if (store != null) {
                    String stored = store + "/" + hashes.get(i);
                    command.append("r=; read -r r < ").append(ShellQuoting.quote(stored + ".rec"))
                            .append(" 2>/dev/null; echo \"T").append(i).append(" $r\"; ");
                    statted.add(stored);
                }
            }
            command.append("stat -c 'S %s %Y %n' ").append(statted.stream().map(ShellQuoting::quote)
                    .collect(Collectors.joining(" "))).append(" 2>/dev/null; true");
            Map<Integer, String> records = new HashMap<>();
            Map<Integer, String> storeRecords = new HashMap<>();
            Map<String, String> stats = new HashMap<>();
            for (String line : board.run(command.toString(), SshBoard.CHANNEL_TIMEOUT).stdout().split("\n")) {
                String[] f = line.split(" ", 4);
                Matcher m = RECORD.matcher(line);
                if (line.startsWith("S ") && f.length == 4 && statted.contains(f[3])) {
                    stats.put(f[3], f[1] + " " + f[2]);
                } else if (m.matches()) {
                    (m.group(1).equals("R") ? records : storeRecords).put(Integer.parseInt(m.group(2)), m.group(3).trim());
                }
            }
            return new Survey(records, storeRecords, stats);
        }

        /** A file's record (R) or its store entry's (T), by the file's index. */
        private static final Pattern RECORD = Pattern.compile("([RT])(\\d+) (.*)");

        String recorded(int i) {
            return records.getOrDefault(i, "");
        }

        String sizeAndTime(String remote) {
            return stats.getOrDefault(remote, "");
        }

        /** Whether the store's entry is as it was stored, and of the local file's size. */
        boolean storeEntryIntact(int i, String stored, long size) {
            String recorded = storeRecords.getOrDefault(i, "");
            String now = sizeAndTime(stored);
            return !recorded.isEmpty() && recorded.equals(now) && now.startsWith(size + " ");
        }
    }

    /** Whether a file already on the board (with no record of ours) has the local content; if so it is recorded. */
    private boolean sameContent(Target t, String hash) {
        String q = ShellQuoting.quote(t.remote());
        SshBoard.Result hashed = board.run("sha256sum < " + q, Duration.ofMinutes(2));
        if (hashed.ok() && hashed.stdout().startsWith(hash)) {
            board.run(record(t.remote(), hash), SshBoard.CHANNEL_TIMEOUT);
            return true;
        }
        return false;
    }

    /** Makes the folders of the files to link or copy, in one command; fails with the fix when it cannot. */
    private void makeFolders(List<Target> targets, List<Integer> toLink, List<Integer> toCopy) {
        Set<String> dirs = new LinkedHashSet<>();
        Stream.concat(toLink.stream(), toCopy.stream()).forEach(i -> dirs.add(targets.get(i).remoteDir()));
        SshBoard.Result made = board.run("mkdir -p " + dirs.stream().map(ShellQuoting::quote)
                .collect(Collectors.joining(" ")), SshBoard.CHANNEL_TIMEOUT);
        if (!made.ok()) {
            String why = made.stderr().strip();
            throw new BoardException("cannot make the folder " + String.join(", ", dirs) + " on " + board.name() + " ("
                    + why + "): " + (why.contains("Read-only") ? "that part of the board's file system is read-only, as"
                    + " on most camera firmware; set leakgate.board.dir to a writable folder (a RAM disk such as /tmp)"
                    : "set leakgate.board.dir to a folder leakgate may write"));
        }
    }

    /** Links the files from the store in one command; the indexes linked (the rest are to be copied). */
    private List<Integer> link(List<Target> targets, List<String> hashes, String store, List<Integer> toLink) {
        if (toLink.isEmpty()) {
            return List.of();
        }
        StringBuilder command = new StringBuilder();
        for (int i : toLink) {
            Target t = targets.get(i);
            String partial = partialName(t);
            command.append("if ln -f ").append(ShellQuoting.quote(store + "/" + hashes.get(i))).append(' ')
                    .append(ShellQuoting.quote(partial)).append(" 2>/dev/null && ").append(intoPlace(t, partial, hashes.get(i)))
                    .append("; then echo L").append(i).append("; else rm -f ").append(ShellQuoting.quote(partial))
                    .append("; fi; ");
        }
        String answer = board.run(command.toString(), SshBoard.CHANNEL_TIMEOUT).stdout();
        List<Integer> linked = new ArrayList<>();
        for (int i : toLink) {
            if (answer.lines().anyMatch(("L" + i)::equals)) {
                linked.add(i);
            }
        }
        return linked;
    }

    /** Copies one file over the connection to a name of its own, then puts it in place and in the store. */
    private void copy(Target t, String hash, String store) {
        String partial = partialName(t);
        transfer().put(t.local(), partial);
        String q = ShellQuoting.quote(t.remote());
        String stored = store == null ? null : ShellQuoting.quote(store + "/" + hash);
        // kept for other folders; a store that cannot be written only costs copies
        String keep = stored == null ? "" : " && { mkdir -p " + ShellQuoting.quote(store) + " && ln -f " + q + " " + stored
                + " && printf '%s\\n' \"$(stat -c '%s %Y' " + stored + ")\" > " + stored + ".rec || true; }";
        SshBoard.Result placed = board.run(intoPlace(t, partial, hash) + keep, SshBoard.CHANNEL_TIMEOUT);
        if (!placed.ok()) {
            throw new BoardException("cannot put " + t.local() + " in place as " + t.remote() + " on " + board.name() + ": "
                    + placed.stderr().strip() + " (is the folder writable, is there space?)");
        }
    }

    /**
     * A name of this copy's own beside the file: two JVMs deploying the same file to one board at once
     * never share it, and the rename into place is atomic, so a copy cut off never passes for the file.
     */
    private static String partialName(Target t) {
        return t.remote() + "." + RunIdentity.newId() + ".partial";
    }

    /** The command that gives the partial copy the file's mode, renames it into place and records its hash. */
    private static String intoPlace(Target t, String partial, String hash) {
        String q = ShellQuoting.quote(t.remote());
        return "chmod " + (Files.isExecutable(t.local()) ? "755 " : "644 ") + ShellQuoting.quote(partial) + " && mv -f "
                + ShellQuoting.quote(partial) + " " + q + " && " + record(t.remote(), hash);
    }

    /** The command that writes the record of a deployed file: its hash, size and modification time. */
    private static String record(String remote, String hash) {
        return "printf '%s %s\\n' " + hash + " \"$(stat -c '%s %Y' " + ShellQuoting.quote(remote) + ")\" > "
                + ShellQuoting.quote(remote + ".leakgate-sha256");
    }

    private static long size(Path local) {
        try {
            return Files.size(local);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + local, e);
        }
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
