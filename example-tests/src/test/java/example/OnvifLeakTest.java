package example;

import dev.leakgate.junit.Harness;
import dev.leakgate.junit.ValgrindOnBoard;

import org.junit.jupiter.api.Test;

/**
 * The field report's hunt as a test: the harness and the unstripped library go to the board (the
 * emulated aarch64 board unless leakgate.board says otherwise), the scenarios run under memcheck,
 * and the test fails unless no byte is definitely lost, naming the function and file:line.
 * target/board/current is the fixed library, or the leaky one with -Pshow-leak.
 */
@ValgrindOnBoard(harness = "target/board/current/onvif_harness",
                 libs = "target/board/current/libonvif_server.so")
class OnvifLeakTest {

    @Test
    void startStreamDoesNotLeak(Harness onvif) {
        onvif.run("onvifStartStream", 100);
    }

    @Test
    void startSubStreamDoesNotLeak(Harness onvif) {
        onvif.run("onvifStartSubStream", 100);
    }
}
