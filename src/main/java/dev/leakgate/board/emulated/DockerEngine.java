package dev.leakgate.board.emulated;

import dev.leakgate.board.ssh.BoardException;
import dev.leakgate.process.Console;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The Docker engine the emulated board runs on, made ready for leakgate's use without any setting
 * of the user's: whether it answers is asked directly (a {@code GET /_ping} on its socket, within
 * seconds, with the exact cause when it does not), and Testcontainers is configured for a machine
 * that may have no image registry: no reaper container (leakgate removes its own containers by
 * their owner label, see {@link EmulatedBoard}), no start-up checks (they pull an image). A
 * setting the user made explicitly (an environment variable or their
 * {@code ~/.testcontainers.properties}) is left as it is. The SLF4J warning of a JVM without a
 * logger is kept off the console; a JVM with a logger keeps its own.
 */
final class DockerEngine {

    private static final Duration PING = Duration.ofSeconds(3);
    private static boolean configured;

    private DockerEngine() {
    }

    /** Throws a {@link BoardException} that says what is wrong when no Docker engine answers within seconds. */
    static void requireAnswering() {
        String host = System.getenv("DOCKER_HOST");
        requireAnswering(URI.create(host == null || host.isBlank() ? "unix:///var/run/docker.sock" : host.trim()));
    }

    /** As {@link #requireAnswering()}, for the engine at this address ({@code unix:///path}, {@code tcp://host:port}). */
    static void requireAnswering(URI uri) {
        String where = uri.toString();
        String fix = "; or choose a real board with -Dleakgate.board=ssh://user@host";
        try {
            // a thread of its own: the common pool may be busy (one worker on a 2-core machine)
            CompletableFuture<String> asked = new CompletableFuture<>();
            Thread asker = new Thread(() -> {
                try {
                    asked.complete(ping(uri));
                } catch (RuntimeException e) {
                    asked.completeExceptionally(e);
                }
            }, "leakgate-docker-ping");
            asker.setDaemon(true);
            asker.start();
            String answer = asked.get(PING.toMillis(), TimeUnit.MILLISECONDS);
            if (!answer.contains(" 200 ") || !answer.endsWith("OK")) {
                throw new BoardException("the Docker engine at " + where + " answered '" + firstLine(answer)
                        + "' instead of OK; check it with 'docker info'" + fix);
            }
        } catch (TimeoutException e) {
            throw silent(where, fix, e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() instanceof UncheckedIOException u ? u.getCause() : e.getCause();
            if (cause instanceof SocketTimeoutException) { // the socket's own timeout came first
                throw silent(where, fix, cause);
            }
            throw new BoardException(explain(uri, cause) + fix, cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BoardException("interrupted while asking the Docker engine at " + where, e);
        }
    }

    private static BoardException silent(String where, String fix, Throwable cause) {
        return new BoardException("the Docker engine at " + where + " does not answer within " + PING.toSeconds()
                + " s: it may be starting or stuck; check it with 'docker info'" + fix, cause);
    }

    private static String explain(URI uri, Throwable cause) {
        String m = String.valueOf(cause.getMessage());
        if ("unix".equals(uri.getScheme())) {
            Path socket = Path.of(uri.getPath());
            if (!Files.exists(socket)) {
                return "no Docker engine runs here: there is no socket " + socket + ". Start it (as root: dockerd &,"
                        + " or systemctl start docker; scripts/setup-board.sh installs docker.io and starts it), or set"
                        + " DOCKER_HOST to the engine you use";
            }
            if (m.contains("ermission denied") || cause instanceof AccessDeniedException) {
                return "this user may not use the Docker engine's socket " + socket + " (permission denied): add the"
                        + " user to the docker group (then log in again), or run as root";
            }
            if (m.contains("onnection refused")) {
                return "the Docker engine's socket " + socket + " is there but nothing listens on it: the engine"
                        + " stopped; start it again (as root: dockerd &, or systemctl start docker)";
            }
        }
        return "cannot reach the Docker engine at " + uri + ": " + m + " (check it with 'docker info')";
    }

    /** The engine's answer to {@code GET /_ping}: the status line, then the body. */
    private static String ping(URI uri) {
        byte[] request = "GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        try {
            if ("unix".equals(uri.getScheme())) {
                try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                    ch.connect(UnixDomainSocketAddress.of(uri.getPath()));
                    ch.write(ByteBuffer.wrap(request));
                    return answer(Channels.newInputStream(ch));
                }
            }
            if ("tcp".equals(uri.getScheme()) || "http".equals(uri.getScheme())) {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress(uri.getHost(), uri.getPort() < 0 ? 2375 : uri.getPort()),
                            (int) PING.toMillis());
                    s.setSoTimeout((int) PING.toMillis());
                    OutputStream out = s.getOutputStream();
                    out.write(request);
                    out.flush();
                    return answer(s.getInputStream());
                }
            }
            return "HTTP/1.0 200 OK\r\n\r\nOK"; // another transport (ssh://, TLS): Testcontainers asks it itself
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String answer(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[512];
        for (int n = in.read(buf); n > 0 && out.size() < 4096; n = in.read(buf)) {
            out.write(buf, 0, n);
        }
        String text = out.toString(StandardCharsets.US_ASCII);
        int body = text.indexOf("\r\n\r\n");
        return body < 0 ? text.strip() : firstLine(text) + " " + text.substring(body + 4).strip();
    }

    private static String firstLine(String text) {
        int nl = text.indexOf('\r');
        return nl < 0 ? text : text.substring(0, nl);
    }

    /**
     * Configures Testcontainers once per JVM, before it is first used: the JVM's shutdown hook
     * instead of the reaper container, and no start-up checks, unless the user set them.
     */
    static synchronized void configureTestcontainers() {
        if (configured) {
            return;
        }
        configured = true;
        quietSlf4jWithoutALogger();
        presetHostAddress();
        if (System.getenv("TESTCONTAINERS_RYUK_DISABLED") == null) {
            try {
                Class<?> reaper = Class.forName("org.testcontainers.utility.ResourceReaper");
                Field instance = reaper.getDeclaredField("instance");
                instance.setAccessible(true);
                synchronized (reaper) {
                    if (instance.get(null) == null) {
                        Constructor<?> hook = Class.forName("org.testcontainers.utility.JVMHookResourceReaper")
                                .getDeclaredConstructor();
                        hook.setAccessible(true);
                        instance.set(null, hook.newInstance());
                    }
                }
            } catch (ReflectiveOperationException | RuntimeException e) {
                Console.warn("cannot turn off Testcontainers' reaper container (" + e
                        + "); if the board does not start, set TESTCONTAINERS_RYUK_DISABLED=true");
            }
        }
        if (System.getenv("TESTCONTAINERS_CHECKS_DISABLE") == null) {
            try {
                Class<?> config = Class.forName("org.testcontainers.utility.TestcontainersConfiguration");
                Object cfg = config.getMethod("getInstance").invoke(null);
                Field user = config.getDeclaredField("userProperties");
                user.setAccessible(true);
                ((Properties) user.get(cfg)).putIfAbsent("checks.disable", "true"); // in memory only
            } catch (ReflectiveOperationException | RuntimeException e) {
                Console.warn("cannot turn off Testcontainers' start-up checks (" + e
                        + "); if the board does not start, set TESTCONTAINERS_CHECKS_DISABLE=true");
            }
        }
    }

    /**
     * Where the containers' published ports are reached. Testcontainers asks the engine; on a machine
     * that looks like a container ({@code /.dockerenv}) and whose engine does not record the bridge's
     * gateway (Debian's docker.io does not), it runs an {@code alpine} container to find one: a pull.
     * leakgate answers first: {@code localhost} when the engine runs beside this JVM (its dockerd is
     * among this machine's processes), else this container's default gateway. A host override or a
     * remote engine the user set is left to Testcontainers.
     */
    private static void presetHostAddress() {
        String host = System.getenv("DOCKER_HOST");
        if (System.getenv("TESTCONTAINERS_HOST_OVERRIDE") != null || (host != null && !host.startsWith("unix://"))
                || !Files.exists(Path.of("/.dockerenv"))) {
            return;
        }
        String address = engineIsHere() ? "localhost" : defaultGateway();
        try {
            Class<?> factoryClass = Class.forName("org.testcontainers.DockerClientFactory");
            Object factory = factoryClass.getMethod("instance").invoke(null);
            Method init = factoryClass.getDeclaredMethod("getOrInitializeStrategy");
            init.setAccessible(true);
            Object strategy = init.invoke(factory);
            Field ip = Class.forName("org.testcontainers.dockerclient.DockerClientProviderStrategy")
                    .getDeclaredField("dockerHostIpAddress");
            ip.setAccessible(true);
            synchronized (strategy) {
                if (ip.get(strategy) == null) {
                    ip.set(strategy, address);
                }
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            Console.warn("cannot tell Testcontainers where the board's ports are (" + e
                    + "); if the board does not start, set TESTCONTAINERS_HOST_OVERRIDE=" + address);
        }
    }

    /** Whether the Docker engine runs on this machine: a dockerd among the processes this JVM sees. */
    private static boolean engineIsHere() {
        try (var dirs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path d : dirs) {
                try {
                    if (Files.readString(d.resolve("comm")).strip().equals("dockerd")) {
                        return true;
                    }
                } catch (IOException e) {
                    // gone
                }
            }
        } catch (IOException e) {
            // no /proc
        }
        return false;
    }

    /** This machine's default gateway from {@code /proc/net/route}, or "localhost" when there is none. */
    private static String defaultGateway() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/net/route"))) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 2 && f[1].equals("00000000") && !f[2].equals("00000000")) {
                    long g = Long.parseLong(f[2], 16);
                    return (g & 0xff) + "." + ((g >> 8) & 0xff) + "." + ((g >> 16) & 0xff) + "." + ((g >> 24) & 0xff);
                }
            }
        } catch (IOException | NumberFormatException e) {
            // no routes to read
        }
        return "localhost";
    }

    /**
     * SLF4J warns on stderr when no logger is bound (Testcontainers logs through it). When this JVM
     * has none (no SLF4J 1 binding, no SLF4J 2 provider), SLF4J is started here with those three
     * warning lines held back; a JVM with a logger is not touched.
     */
    private static void quietSlf4jWithoutALogger() {
        ClassLoader loader = DockerEngine.class.getClassLoader();
        boolean binding = loader.getResource("org/slf4j/impl/StaticLoggerBinder.class") != null
                || loader.getResource("META-INF/services/org.slf4j.spi.SLF4JServiceProvider") != null;
        if (binding) {
            return;
        }
        PrintStream err = System.err;
        PrintStream filtered = new PrintStream(new OutputStream() {
            private final ByteArrayOutputStream line = new ByteArrayOutputStream();

            @Override
            public void write(int b) {
                line.write(b);
                if (b == '\n') {
                    String l = line.toString(StandardCharsets.UTF_8);
                    line.reset();
                    if (!l.startsWith("SLF4J")) {
                        err.print(l);
                    }
                }
            }
        }, true, StandardCharsets.UTF_8);
        System.setErr(filtered);
        try {
            Class.forName("org.slf4j.LoggerFactory").getMethod("getILoggerFactory").invoke(null);
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            // no SLF4J at all: nothing to keep quiet
        } finally {
            System.setErr(err);
        }
    }
}
