package dev.leakgate.board;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;

/**
 * Where a board answers SSH and how to log in: user, host and port; a private key, a password,
 * or both; and how its host key is verified: pinned (the emulated board's provisioner knows it)
 * or looked up in a known_hosts file. There is no "trust on first use": an unknown or changed
 * host key is refused.
 *
 * <p>{@link #toString()} never shows the password or the key.
 */
public final class SshTarget {

    private final String user;
    private final String host;
    private final int port;
    private final char[] password;
    private final byte[] privateKey;
    private final byte[] publicKey;
    private final String pinnedHostKey;
    private final Path knownHosts;
    private final Duration connectTimeout;

    private SshTarget(String user, String host, int port, char[] password, byte[] privateKey, byte[] publicKey,
                      String pinnedHostKey, Path knownHosts, Duration connectTimeout) {
        this.user = requireText(user, "user");
        this.host = requireText(host, "host");
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("The SSH port must be 1 to 65535, but was " + port);
        }
        this.port = port;
        this.password = password;
        this.privateKey = privateKey;
        this.publicKey = publicKey;
        this.pinnedHostKey = pinnedHostKey;
        this.knownHosts = knownHosts;
        this.connectTimeout = Objects.requireNonNull(connectTimeout);
    }

    /** A target whose host key is looked up in {@code ~/.ssh/known_hosts}; add a key or password. */
    public static SshTarget of(String user, String host, int port) {
        return new SshTarget(user, host, port, null, null, null, null,
                Path.of(System.getProperty("user.home"), ".ssh", "known_hosts"), Duration.ofSeconds(10));
    }

    /** Logs in with this password (kept out of every message and report). */
    public SshTarget withPassword(char[] secret) {
        return new SshTarget(user, host, port, secret.clone(), privateKey, publicKey, pinnedHostKey, knownHosts,
                connectTimeout);
    }

    /** Logs in with this private key (OpenSSH or PEM format) and, optionally, its public key. */
    public SshTarget withPrivateKey(byte[] key, byte[] pub) {
        return new SshTarget(user, host, port, password, key.clone(), pub == null ? null : pub.clone(),
                pinnedHostKey, knownHosts, connectTimeout);
    }

    /** Accepts only this host key: {@code "ssh-ed25519 AAAA..."} (as in a .pub file). */
    public SshTarget withPinnedHostKey(String typeAndKey) {
        String[] parts = typeAndKey.trim().split("\\s+");
        if (parts.length < 2) {
            throw new IllegalArgumentException("A pinned host key reads 'TYPE BASE64', e.g. 'ssh-ed25519 AAAA...',"
                    + " but was '" + typeAndKey + "'");
        }
        return new SshTarget(user, host, port, password, privateKey, publicKey, parts[0] + " " + parts[1], null,
                connectTimeout);
    }

    /** Looks the host key up in this known_hosts file. */
    public SshTarget withKnownHosts(Path file) {
        return new SshTarget(user, host, port, password, privateKey, publicKey, null, file, connectTimeout);
    }

    public SshTarget withConnectTimeout(Duration timeout) {
        return new SshTarget(user, host, port, password, privateKey, publicKey, pinnedHostKey, knownHosts, timeout);
    }

    public String user() {
        return user;
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    char[] password() {
        return password;
    }

    byte[] privateKey() {
        return privateKey;
    }

    byte[] publicKey() {
        return publicKey;
    }

    /** The pinned host key, or null when a known_hosts file is used. */
    public String pinnedHostKey() {
        return pinnedHostKey;
    }

    /** The known_hosts file, or null when the host key is pinned. */
    public Path knownHosts() {
        return knownHosts;
    }

    public Duration connectTimeout() {
        return connectTimeout;
    }

    /** {@code ssh://user@host:port}, with nothing secret. */
    @Override
    public String toString() {
        return "ssh://" + user + "@" + host + ":" + port;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SshTarget t && t.user.equals(user) && t.host.equals(host) && t.port == port
                && Arrays.equals(t.password, password) && Arrays.equals(t.privateKey, privateKey)
                && Objects.equals(t.pinnedHostKey, pinnedHostKey) && Objects.equals(t.knownHosts, knownHosts);
    }

    @Override
    public int hashCode() {
        return Objects.hash(user, host, port);
    }

    private static String requireText(String value, String what) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("The SSH " + what + " must not be empty");
        }
        return value;
    }
}
