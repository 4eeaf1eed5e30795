package dev.leakgate.board.ssh;

import com.jcraft.jsch.JSch;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
    private final Map<String, String> algorithms;

    private SshTarget(String user, String host, int port, char[] password, byte[] privateKey, byte[] publicKey,
                      String pinnedHostKey, Path knownHosts, Duration connectTimeout,
                      Map<String, String> algorithms) {
        this.algorithms = Map.copyOf(algorithms);
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
                Path.of(System.getProperty("user.home"), ".ssh", "known_hosts"), Duration.ofSeconds(10), Map.of());
    }

    /** Logs in with this password (kept out of every message and report). */
    public SshTarget withPassword(char[] secret) {
        return new SshTarget(user, host, port, secret.clone(), privateKey, publicKey, pinnedHostKey, knownHosts,
                connectTimeout, algorithms);
    }

    /** Logs in with this private key (OpenSSH or PEM format) and, optionally, its public key. */
    public SshTarget withPrivateKey(byte[] key, byte[] pub) {
        return new SshTarget(user, host, port, password, key.clone(), pub == null ? null : pub.clone(),
                pinnedHostKey, knownHosts, connectTimeout, algorithms);
    }

    /** Accepts only this host key: {@code "ssh-ed25519 AAAA..."} (as in a .pub file). */
    public SshTarget withPinnedHostKey(String typeAndKey) {
        String[] parts = typeAndKey.trim().split("\\s+");
        if (parts.length < 2) {
            throw new IllegalArgumentException("A pinned host key reads 'TYPE BASE64', e.g. 'ssh-ed25519 AAAA...',"
                    + " but was '" + typeAndKey + "'");
        }
        return new SshTarget(user, host, port, password, privateKey, publicKey, parts[0] + " " + parts[1], null,
                connectTimeout, algorithms);
    }

    /** Looks the host key up in this known_hosts file. */
    public SshTarget withKnownHosts(Path file) {
        return new SshTarget(user, host, port, password, privateKey, publicKey, null, file, connectTimeout, algorithms);
    }

    public SshTarget withConnectTimeout(Duration timeout) {
        return new SshTarget(user, host, port, password, privateKey, publicKey, pinnedHostKey, knownHosts, timeout,
                algorithms);
    }

    /**
     * The SSH algorithms to offer, as {@link Settings#SSH_ALGORITHMS} writes them: {@code
     * kex=+diffie-hellman-group14-sha1;server_host_key=+ssh-rsa}, each list replacing JSch's, or with a
     * leading {@code +} added to it. Kinds: kex, server_host_key, cipher, mac.
     */
    public SshTarget withAlgorithms(String spec) {
        Map<String, String> config = new LinkedHashMap<>();
        for (String part : spec.split(";")) {
            if (part.isBlank()) {
                continue;
            }
            int eq = part.indexOf('=');
            String kind = eq < 0 ? part.trim() : part.substring(0, eq).trim();
            String value = eq < 0 ? "" : part.substring(eq + 1).trim();
            List<String> keys = switch (kind) {
                case "kex" -> List.of("kex");
                case "server_host_key" -> List.of("server_host_key");
                case "cipher" -> List.of("cipher.s2c", "cipher.c2s");
                case "mac" -> List.of("mac.s2c", "mac.c2s");
                default -> throw new IllegalArgumentException("leakgate.ssh.algorithms: '" + kind + "' is not a kind of"
                        + " SSH algorithm; write kex=..., server_host_key=..., cipher=... or mac=..., separated by ';'");
            };
            if (value.isEmpty() || value.equals("+")) {
                throw new IllegalArgumentException("leakgate.ssh.algorithms: " + kind + " names no algorithm; write e.g. "
                        + kind + "=+NAME to add one to leakgate's own");
            }
            String named = value.startsWith("+") ? value.substring(1) : value;
            for (String algorithm : named.split(",")) {
                if (JSch.getConfig(algorithm.strip()) == null) {
                    throw new IllegalArgumentException("leakgate.ssh.algorithms: '" + algorithm.strip() + "' is not a "
                            + kind + " algorithm leakgate knows; it knows " + defaults(keys.get(0)));
                }
            }
            for (String key : keys) {
                config.put(key, value.startsWith("+") ? defaults(key) + "," + named : value);
            }
        }
        return new SshTarget(user, host, port, password, privateKey, publicKey, pinnedHostKey, knownHosts,
                connectTimeout, config);
    }

    /**
     * What leakgate offers of one kind (a JSch configuration key) unless told otherwise: JSch's list,
     * with OpenSSH's first choice of cipher first. chacha20-poly1305 (through Bouncy Castle) is much
     * faster than AES where the board's CPU has no AES instructions: Cortex-A7 cameras, and the
     * emulated boards' sshd under QEMU (a 53 MB deploy: 1.4 s against 3.0 s with AES-GCM).
     */
    static String defaults(String key) {
        String jsch = JSch.getConfig(key);
        return key.startsWith("cipher.") ? "chacha20-poly1305@openssh.com," + jsch : jsch;
    }

    /** JSch configuration for the algorithms to offer (empty: leakgate's defaults). */
    Map<String, String> algorithms() {
        return algorithms;
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

    public byte[] privateKey() {
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
