package dev.leakgate.board.emulated;

import com.github.dockerjava.api.exception.NotFoundException;
import com.jcraft.jsch.JSch;
import com.jcraft.jsch.JSchException;
import com.jcraft.jsch.KeyPair;
import dev.leakgate.board.ssh.BoardException;
import dev.leakgate.board.ssh.SshBoard;
import dev.leakgate.board.ssh.SshTarget;
import dev.leakgate.process.Console;
import dev.leakgate.process.RunIdentity;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.utility.DockerImageName;

/**
 * Provisions an emulated board: a container of an image {@code docker/} builds (the aarch64 board, or
 * the bare camera-like one, named by the image's label), run under QEMU through binfmt, started through Testcontainers, and handed over as an
 * {@link SshBoard} once a real SSH handshake succeeds.
 *
 * <p>The board's host key is made fresh at each start and read from the container's log through
 * the Docker API (a channel SSH does not go through), then pinned: the SSH connection verifies
 * it like any other. Login is with a key pair made here for this start; a random password is set
 * too, for tests of password login. Nothing is pulled from a registry.
 *
 * <p>{@link #close()} first sends SIGTERM to every valgrind on the board and waits for them to
 * write their reports (a container stop would SIGKILL them), then stops the container.
 */
public final class EmulatedBoard implements AutoCloseable {

    /** The image {@code docker/build-image.sh} builds. */
    public static final String DEFAULT_IMAGE = "leakgate/board-aarch64:latest";

    private static final Pattern HOST_KEY = Pattern.compile("leakgate-board: host key (ssh-ed25519 [A-Za-z0-9+/=]+)\\r?\\n");

    private final GenericContainer<?> container;
    private final SshBoard board;
    private final String password;
    private final Duration startup;

    private final String flavour;

    private EmulatedBoard(GenericContainer<?> container, SshBoard board, String password, Duration startup,
                          String flavour) {
        this.flavour = flavour;
        this.container = container;
        this.board = board;
        this.password = password;
        this.startup = startup;
    }

    /** Starts the board from {@link #DEFAULT_IMAGE}. */
    public static EmulatedBoard start() {
        return start(DEFAULT_IMAGE);
    }

    /**
     * Starts a board from this image. Fails with a {@link BoardException} that says the fix when
     * there is no Docker engine, no binfmt for aarch64, or no image.
     */
    public static EmulatedBoard start(String image) {
        return start(image, 0);
    }

    /**
     * As {@link #start(String)}, with the container's CPU share capped at {@code cpus} (its
     * {@code --cpus}: 0.5 is half a core) when it is above 0.
     */
    public static EmulatedBoard start(String image, double cpus) {
        return start(image, cpus, 0);
    }

    /**
     * As {@link #start(String, double)}; a system board's machine gets {@code memoryMib} of memory when
     * it is above 0 (1024 unless given). The container refuses to start, with the figures, when this
     * machine has less available than that and QEMU's own.
     */
    public static EmulatedBoard start(String image, double cpus, int memoryMib) {
        long begin = System.nanoTime();
        DockerEngine.requireAnswering(); // within seconds, with the cause
        DockerEngine.configureTestcontainers(); // no reaper container, no checks: nothing is pulled
        checkDocker();
        Map<String, String> labels = imageLabels(image);
        String flavour = labels.getOrDefault(FLAVOUR_LABEL, "aarch64");
        Cpu cpu = Cpu.of(flavour);
        // a system board's container runs QEMU built for this machine; a user-mode board's runs the board's CPU
        boolean system = SYSTEM.equals(labels.get(MACHINE_LABEL));
        if (!system) {
            checkBinfmt(cpu);
        }
        reapContainersOfDeadOwners();

        JSch jsch = new JSch();
        ByteArrayOutputStream privateKey = new ByteArrayOutputStream();
        ByteArrayOutputStream publicKey = new ByteArrayOutputStream();
        try {
            KeyPair client = KeyPair.genKeyPair(jsch, KeyPair.ED25519);
            client.writeOpenSSHv1PrivateKey(privateKey, null);
            client.writePublicKey(publicKey, "leakgate");
        } catch (JSchException e) {
            throw new BoardException("cannot make an SSH key pair for the emulated board: " + e.getMessage(), e);
        }
        String password = randomPassword();

        // a firmware-like image whose root is read-only: nothing can be copied into it before it starts,
        // so its init takes the login key from the environment (a public key: no secret)
        boolean readOnly = "true".equals(labels.get(READ_ONLY_LABEL));
        BootWatch watch = new BootWatch(HOST_KEY, Duration.ofSeconds(90));
        GenericContainer<?> container = new GenericContainer<>(DockerImageName.parse(image))
                .withImagePullPolicy(name -> false)
                .withCreateContainerCmdModifier(cmd -> {
                    if (!system) {
                        cmd.withPlatform(cpu.platform);
                    }
                    if (readOnly) {
                        cmd.getHostConfig().withReadonlyRootfs(true);
                    }
                    if (cpus > 0) {
                        cmd.getHostConfig().withNanoCPUs((long) (cpus * 1_000_000_000L));
                    }
                })
                .withExposedPorts(22)
                .withLabel(OWNER_LABEL, RunIdentity.owner())
                .withEnv("LEAKGATE_AUTHORIZED_KEY", publicKey.toString(StandardCharsets.US_ASCII).strip())
                // every image prints the host key just before its SSH server starts; a handshake refused in
                // that moment is retried below
                .waitingFor(watch)
                .withLogConsumer(watch);
        if (system && memoryMib > 0) {
            container.withEnv("LEAKGATE_BOARD_MEMORY_MB", Integer.toString(memoryMib));
        }
        if (!readOnly) {
            container.withCopyToContainer(Transferable.of(publicKey.toByteArray(), 0600), "/run/leakgate/authorized_keys")
                    .withCopyToContainer(Transferable.of(password.getBytes(StandardCharsets.US_ASCII), 0600),
                            "/run/leakgate/password");
        }
        // a camera's /tmp is a small RAM disk: the image says which folders are, and how big ("PATH=OPTIONS;...")
        Map<String, String> tmpfs = new LinkedHashMap<>();
        for (String mount : labels.getOrDefault(TMPFS_LABEL, "").split(";")) {
            if (mount.contains("=")) {
                tmpfs.put(mount.substring(0, mount.indexOf('=')).strip(), mount.substring(mount.indexOf('=') + 1).strip());
            }
        }
        if (!tmpfs.isEmpty()) {
            container.withTmpFs(tmpfs);
        }
        try {
            container.start();
        } catch (RuntimeException e) {
            BootWatch.NotReady why = BootWatch.notReadyIn(e);
            String log = watch.log().isBlank() ? "" : "; the board's log" + lastLines(watch.log());
            container.stop();
            throw new BoardException("the emulated board did not start from " + image + ": "
                    + (why != null ? why.getMessage() : e.getMessage()) + log, e);
        }
        try {
            Matcher m = HOST_KEY.matcher(watch.log());
            if (!m.find()) {
                throw new BoardException("the emulated board did not print its host key; its log" + lastLines(watch.log()));
            }
            SshTarget target = SshTarget.of("root", container.getHost(), container.getMappedPort(22))
                    .withPinnedHostKey(m.group(1))
                    .withPrivateKey(privateKey.toByteArray(), publicKey.toByteArray());
            SshBoard board = connectWhenReady(target, "the emulated " + flavour + " board");
            return new EmulatedBoard(container, board, password, Duration.ofNanos(System.nanoTime() - begin), flavour);
        } catch (RuntimeException e) {
            container.stop();
            throw e;
        }
    }

    /**
     * The last lines of a board's log (a system board's is its console), and a kernel panic's line from before
     * them: enough to show why it did not come up.
     */
    static String lastLines(String log) {
        List<String> lines = List.of(log.strip().split("\n"));
        int from = Math.max(0, lines.size() - 30);
        String panic = lines.subList(0, from).stream().filter(l -> l.contains("Kernel panic")).findFirst()
                .map(l -> l + "\n...\n").orElse("");
        return (from == 0 ? ":\n" : " (its last 30 lines):\n") + panic + String.join("\n", lines.subList(from, lines.size()));
    }

    /** sshd may log that it listens a moment before it answers: retry a refused handshake briefly. */
    private static SshBoard connectWhenReady(SshTarget target, String name) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (true) {
            try {
                return SshBoard.connect(target, name);
            } catch (BoardException e) {
                if (System.nanoTime() > deadline || !(e.getMessage().contains("nothing listens")
                        || e.getMessage().contains("cannot connect"))) {
                    throw e;
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /** The label on every board container: the JVM that started it (see {@link RunIdentity#owner}). */
    static final String OWNER_LABEL = "dev.leakgate.owner";

    /**
     * Removes board containers whose owner JVM on this machine is gone (killed before it could
     * stop them), and says so. Containers of live JVMs, or of other machines, are left alone.
     */
    private static void reapContainersOfDeadOwners() {
        try {
            var docker = DockerClientFactory.instance().client();
            for (var c : docker.listContainersCmd().withShowAll(true)
                    .withLabelFilter(List.of(OWNER_LABEL)).exec()) {
                String owner = c.getLabels() == null ? null : c.getLabels().get(OWNER_LABEL);
                if (owner != null && RunIdentity.isDeadLocalOwner(owner)) {
                    docker.removeContainerCmd(c.getId()).withForce(true).exec();
                    Console.say("removed the board container " + c.getId().substring(0, 12)
                            + " left running by a leakgate that is gone (" + owner + ")");
                }
            }
        } catch (RuntimeException e) {
            // reaping is best effort: the new board starts regardless
        }
    }

    private static void checkDocker() {
        boolean available;
        try {
            available = DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException e) {
            available = false;
        }
        if (!available) {
            throw new BoardException("no Docker engine answers, so the emulated board cannot start: run"
                    + " scripts/setup-board.sh (as root it installs docker.io and starts dockerd), or start your"
                    + " Docker engine; or choose a real board with -Dleakgate.board=ssh://user@host");
        }
    }

    /** The image label that names the board (e.g. "aarch64", "aarch64-bare"). */
    static final String FLAVOUR_LABEL = "dev.leakgate.board";
    /** The image label that asks for a tmpfs, as "/tmp=rw,exec,size=160m". */
    static final String TMPFS_LABEL = "dev.leakgate.board.tmpfs";
    /** Image label: "system" when the image boots a whole machine under qemu-system (its own kernel). */
    static final String MACHINE_LABEL = "dev.leakgate.board.machine";
    private static final String SYSTEM = "system";
    /** Image label: "true" when the board's root file system is read-only, as on camera firmware. */
    static final String READ_ONLY_LABEL = "dev.leakgate.board.readonly";

    /** The CPU of a board image: how Docker names its platform and which QEMU runs it. */
    private enum Cpu {
        AARCH64("linux/arm64", "qemu-aarch64", "aarch64"),
        ARMHF("linux/arm/v7", "qemu-arm", "arm");

        final String platform;
        final String qemu;
        final String javaArch;

        Cpu(String platform, String qemu, String javaArch) {
            this.platform = platform;
            this.qemu = qemu;
            this.javaArch = javaArch;
        }

        static Cpu of(String flavour) {
            return flavour.startsWith("armhf") ? ARMHF : AARCH64;
        }
    }

    private static void checkBinfmt(Cpu cpu) {
        if (cpu.javaArch.equals(System.getProperty("os.arch"))) {
            return; // the board's CPU is this machine's
        }
        Path entry = Path.of("/proc/sys/fs/binfmt_misc/" + cpu.qemu);
        try {
            if (Files.isRegularFile(entry) && Files.readString(entry).contains("enabled")) {
                return;
            }
        } catch (IOException e) {
            // unreadable: treat as missing
        }
        throw new BoardException("this machine cannot run " + cpu.javaArch + " programs: there is no binfmt entry"
                + " for " + cpu.qemu + ". Run scripts/setup-board.sh, or as root: apt-get install qemu-user-static;"
                + " mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc; cat"
                + " /usr/lib/binfmt.d/" + cpu.qemu + ".conf > /proc/sys/fs/binfmt_misc/register");
    }

    /** The labels of the board image; fails with the fix when the engine has no such image. */
    private static Map<String, String> imageLabels(String image) {
        try {
            var config = DockerClientFactory.instance().client().inspectImageCmd(image).exec().getConfig();
            return config == null || config.getLabels() == null ? Map.of() : config.getLabels();
        } catch (NotFoundException e) {
            Matcher release = Pattern.compile("board-aarch64-([a-z]+):").matcher(image);
            String variant = image.contains("-bare") ? " bare" : image.contains("-system") ? " system"
                    : release.find() ? " debian " + release.group(1) : "";
            throw new BoardException("there is no board image " + image + " in the Docker engine: build it with"
                    + " docker/build-image.sh" + variant + " (scripts/setup-board.sh does it), or set"
                    + " leakgate.board.image");
        }
    }

    private static String randomPassword() {
        SecureRandom random = new SecureRandom();
        String alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        StringBuilder s = new StringBuilder(24);
        for (int i = 0; i < 24; i++) {
            s.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return s.toString();
    }

    /** The board, connected as root. */
    public SshBoard board() {
        return board;
    }

    /** How long it took from {@link #start} to a board that answers SSH. */
    public Duration startup() {
        return startup;
    }

    public String containerId() {
        return container.getContainerId();
    }

    /** The private key of this start (made here), for tools that log in beside leakgate (benchmarks). */
    public byte[] privateKey() {
        return board.target().privateKey();
    }

    /** The root password of this start (random), for tests of password login. */
    public String password() {
        return password;
    }

    /** The container's log, for a failing test's message. */
    public String logs() {
        return container.getLogs();
    }

    /** Kills the container at once, as a board lost mid-run would be (for tests). */
    public void kill() {
        DockerClientFactory.instance().client().killContainerCmd(container.getContainerId()).exec();
    }

    @Override
    public void close() {
        try {
            if (board.isConnected()) {
                // TERM valgrind first and let it write its leak check: a container stop SIGKILLs it
                board.run("pkill -TERM -f '[v]algrind'; for i in $(seq 1 100); do pgrep -f '[v]algrind' >/dev/null || exit 0;"
                        + " sleep 0.1; done", Duration.ofSeconds(20));
            }
        } catch (RuntimeException e) {
            // the board is going away regardless
        } finally {
            board.close();
            container.stop();
        }
    }

    @Override
    public String toString() {
        return "emulated " + flavour + " board (container " + container.getContainerId().substring(0, 12) + ", "
                + board.target() + ")";
    }
}
