package dev.leakgate.board;

import static org.assertj.core.api.Assertions.assertThat;

import dev.leakgate.process.MemcheckCommand;
import org.junit.jupiter.api.Test;

/**
 * What a board says about itself, read as the boards leakgate tests on print it (each output below is
 * what that board printed for {@link BoardInfo#script}).
 */
class BoardInfoTests {

    private final MemcheckCommand plain = MemcheckCommand.builder("prog").build();

    @Test
    void aDebianBoardNamesItsGlibcThroughGetconfAndItsValgrind() {
        BoardInfo info = BoardInfo.parse("emulated aarch64 board", "Linux 6.18.44-fc-v1272 aarch64\n--\nglibc 2.36\n--\n"
                + "valgrind-3.19.0\n", plain);

        assertThat(info.cpu()).isEqualTo("aarch64");
        assertThat(info.kernel()).isEqualTo("Linux 6.18.44-fc-v1272 aarch64");
        assertThat(info.libc()).isEqualTo("glibc 2.36");
        assertThat(info.valgrind()).isEqualTo("valgrind-3.19.0");
        assertThat(info.from()).isEqualTo("valgrind");
        assertThat(info.summary()).isEqualTo("emulated aarch64 board: aarch64, Linux 6.18.44-fc-v1272 aarch64,"
                + " glibc 2.36, valgrind-3.19.0 (valgrind)");
        assertThat(info.text()).contains("cpu: aarch64\n", "libc: glibc 2.36\n", "valgrind from: valgrind\n");
    }

    @Test
    void aFirmwareRootWithoutGetconfIsReadFromItsLoaderAndABroughtValgrindSaysWhereItIs() {
        MemcheckCommand brought = MemcheckCommand.builder("prog").valgrindPrefix("/tmp/leakgate/valgrind").build();

        BoardInfo info = BoardInfo.parse("bare board", "Linux 6.1.0 aarch64\n--\nld.so (Debian GLIBC 2.36-9+deb12u14)"
                + " stable release version 2.36.\n--\nvalgrind-3.19.0\n", brought);

        assertThat(info.libc()).isEqualTo("glibc 2.36");
        assertThat(info.from()).isEqualTo("/tmp/leakgate/valgrind/bin/valgrind"
                + " (VALGRIND_LIB=/tmp/leakgate/valgrind/libexec/valgrind)");
    }

    @Test
    void whatABoardCannotSayIsNotKnownNeverGuessed() {
        BoardInfo musl = BoardInfo.parse("b", "Linux 5.10 armv7l\n--\nmusl (/lib/ld-musl-armhf.so.1)\n--\n"
                + "sh: valgrind: not found\n", plain);
        BoardInfo silent = BoardInfo.parse("b", "", plain);

        assertThat(musl.libc()).isEqualTo("musl (/lib/ld-musl-armhf.so.1)");
        assertThat(musl.valgrind()).isEqualTo("not found (sh: valgrind: not found)");
        assertThat(silent.cpu()).isEqualTo("not known");
        assertThat(silent.kernel()).isEqualTo("not known");
        assertThat(silent.libc()).isEqualTo("not known");
        assertThat(silent.valgrind()).isEqualTo("not found");
    }
}
