package dev.leakgate.board;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Files made available on the board: where each went (by its local path), which were copied
 * rather than already there, which were linked from the board's store of deployed content
 * (copied once already, for another folder), and the folder to put on {@code LD_LIBRARY_PATH}
 * (for the local board: the files' own folders, joined with ':').
 */
public record Deployment(String folder, Map<Path, String> byLocal, List<Path> copied, List<Path> linked) {

    public Deployment {
        byLocal = Collections.unmodifiableMap(new LinkedHashMap<>(byLocal));
        copied = List.copyOf(copied);
        linked = List.copyOf(linked);
    }

    public Deployment(String folder, Map<Path, String> byLocal, List<Path> copied) {
        this(folder, byLocal, copied, List.of());
    }

    /** The board paths, in the order the files were given. */
    public List<String> paths() {
        return List.copyOf(byLocal.values());
    }

    /** The board path of a deployed local file. */
    public String pathOf(Path local) {
        String path = byLocal.get(local.toAbsolutePath().normalize());
        if (path == null) {
            throw new IllegalArgumentException(local + " was not deployed; deployed: " + byLocal.keySet());
        }
        return path;
    }
}
