package dev.leakgate.board.ssh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.leakgate.board.emulated.EmulatedBoard;
import dev.leakgate.testing.SharedEmulatedBoard;
import dev.leakgate.testing.TestPrograms;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;

/**
 * Each way files travel (SFTP, the scp protocol, a checked stream with each checksum a board may
 * have), for real on the emulated board: binary content and hostile names arrive intact, a missing
 * file is told apart, a deployment places files atomically and skips unchanged ones on every path.
 */
@ExtendWith(SharedEmulatedBoard.class)
@Tag("board")
class FileTransferTests {

    private final SshBoard board;

    FileTransferTests(EmulatedBoard emulated) {
        this.board = emulated.board();
    }

    private static Path binary(Path dir, String name, int size) throws Exception {
        byte[] b = new byte[size];
        new Random(size).nextBytes(b);
        return Files.write(dir.resolve(name), b);
    }

    private List<FileTransfer> all() {
        return List.of(new SftpTransfer(board), new ScpTransfer(board), new StreamTransfer(board, Checksum.SHA256SUM),
                new StreamTransfer(board, Checksum.MD5SUM), new StreamTransfer(board, Checksum.CKSUM),
                new StreamTransfer(board, null));
    }

    @Test
    void everyWayCopiesBinaryFilesWithHostileNamesBothWaysAndTellsAMissingFileApart(@TempDir Path dir)
            throws Exception {
        Path local = binary(dir, "payload", 300_000);
        board.run("mkdir -p '/tmp/transfer/a dir'", Duration.ofSeconds(20));
        List<FileTransfer> all = all();
        for (int i = 0; i < all.size(); i++) {
            FileTransfer t = all.get(i);
            String remote = "/tmp/transfer/a dir/we*ird?na\\me 'x' $(id) " + i;
            t.put(local, remote);
            Path back = dir.resolve("back-" + i);

            assertThat(t.get(remote, back)).as(t.name()).isTrue();
            assertThat(back).as(t.name()).hasSameBinaryContentAs(local);
            assertThat(t.get("/tmp/transfer/no such file", dir.resolve("missing"))).as(t.name()).isFalse();
            assertThat(dir.resolve("missing")).doesNotExist();
        }
        assertThat(board.run("ls '/tmp/transfer/a dir' | wc -l", Duration.ofSeconds(20)).stdout().strip()).isEqualTo("6");
    }

    @Test
    void cksumHereMatchesTheBoardsCksum(@TempDir Path dir) throws Exception {
        board.run("mkdir -p /tmp/transfer", Duration.ofSeconds(20));
        for (int size : new int[] {0, 1, 255, 256, 70_000}) {
            Path f = binary(dir, "f" + size, size);
            new StreamTransfer(board, null).put(f, "/tmp/transfer/cksum-" + size);
            String there = board.run("cksum < /tmp/transfer/cksum-" + size, Duration.ofSeconds(20)).stdout();
            assertThat(Checksum.CKSUM.parse(there)).as("size " + size).isEqualTo(Checksum.CKSUM.of(f));
        }
    }

    @Test
    void deploymentPlacesFilesAtomicallyAndSkipsUnchangedOnesOnEveryPath(@TempDir Path dir) throws Exception {
        Path harness = TestPrograms.aarch64Program("clean");
        for (String way : List.of("sftp", "scp", "stream")) {
            board.files().useFileTransfer(way);
            try {
                String folder = "/tmp/transfer/deploy-" + way;
                assertThat(board.files().upload(harness, folder, "clean")).as(way + ": first copy").isTrue();
                assertThat(board.files().upload(harness, folder, "clean")).as(way + ": unchanged").isFalse();
                String listing = board.run("ls -l " + folder, Duration.ofSeconds(20)).stdout();
                assertThat(listing).as(way).contains("rwxr-xr-x").doesNotContain(".partial");
                assertThat(board.run(folder + "/clean; echo $?", Duration.ofSeconds(60)).stdout().strip())
                        .as(way + ": it runs").endsWith("0");
            } finally {
                board.files().useFileTransfer("auto");
            }
        }
        assertThat(board.files().fileTransferName()).isEqualTo("SFTP");
    }

    @Test
    void aWayTheBoardCannotTakeOrDoesNotKnowIsRefusedWithTheChoices() {
        assertThatThrownBy(() -> board.files().useFileTransfer("rsync")).isInstanceOf(BoardException.class)
                .hasMessage("leakgate.board.transfer = 'rsync' is not a way to copy files: use auto (the default),"
                        + " sftp, scp or stream");
        board.files().useFileTransfer("stream");
        assertThat(board.files().fileTransferName()).isEqualTo("a stream (cat) checked with sha256sum");
        board.files().useFileTransfer("scp");
        assertThat(board.files().fileTransferName()).isEqualTo("scp");
        board.files().useFileTransfer("auto");
    }
}
