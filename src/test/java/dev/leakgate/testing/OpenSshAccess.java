package dev.leakgate.testing;

import dev.leakgate.board.emulated.EmulatedBoard;
import dev.leakgate.board.ssh.SshTarget;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * Files for OpenSSH's own clients (ssh, scp, sftp) to reach an emulated board beside leakgate,
 * with the same pinned host key: for benchmarks that compare against them.
 *
 * @param key        the board's login key, mode 0600
 * @param knownHosts a known_hosts file holding the board's pinned host key
 */
public record OpenSshAccess(SshTarget target, Path key, Path knownHosts) {

    public static OpenSshAccess write(EmulatedBoard board, Path dir) throws IOException {
        SshTarget t = board.board().target();
        Path key = dir.resolve("key");
        Files.write(key, board.privateKey());
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        Path knownHosts = Files.writeString(dir.resolve("known_hosts"),
                "[" + t.host() + "]:" + t.port() + " " + t.pinnedHostKey() + "\n");
        return new OpenSshAccess(t, key, knownHosts);
    }

    /** Options for ssh, scp and sftp: batch mode, strict host key checking against {@link #knownHosts}. */
    public List<String> options() {
        return new ArrayList<>(List.of("-q", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes",
                "-o", "UserKnownHostsFile=" + knownHosts, "-i", key.toString()));
    }
}
