package example;

import static org.assertj.core.api.Assertions.assertThat;

import dev.leakgate.junit.Daemon;
import dev.leakgate.junit.ValgrindOnBoard;
import dev.leakgate.process.MemoryTimeline;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The field report's second technique, as a test: watch the daemon's VmData in /proc/PID/status while
 * requests go on. The camera's full stream profile is large (ONVIF_PROFILE_BYTES: 256 KiB here), so
 * each GetStreamUri the leaky library serves keeps 256 KiB: VmData climbs request after request. With
 * the fixed library it levels off: memcheck holds freed blocks (up to 20 MB, its --freelist-vol) before
 * it reuses them, so the first 80 or so requests grow it either way, and the test watches the 50
 * requests after the first 100. leakgate samples the memory once a second where the daemon runs: on
 * the system board (leakgate.board=emulated-system) it is the board kernel's own count for valgrind's
 * process, which holds the daemon's heap; under QEMU user mode, the emulator's, which grows with it.
 */
@ValgrindOnBoard(harness = "target/board/current/onvif_daemon", args = "8081", ports = 8081,
                 libs = "target/board/current/libonvif_server.so", env = "ONVIF_PROFILE_BYTES=262144",
                 readySeconds = 240)
class OnvifDaemonMemoryTest {

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(30)).build();

    private static final String GET_STREAM_URI = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            + "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\""
            + " xmlns:trt=\"http://www.onvif.org/ver10/media/wsdl\"><s:Body><trt:GetStreamUri>"
            + "<trt:ProfileToken>main</trt:ProfileToken></trt:GetStreamUri></s:Body></s:Envelope>";

    private static void getStreamUri(URI service, int times) throws Exception {
        for (int i = 0; i < times; i++) {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(service).timeout(Duration.ofSeconds(60))
                    .header("Content-Type", "application/soap+xml; charset=utf-8")
                    .POST(HttpRequest.BodyPublishers.ofString(GET_STREAM_URI)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        }
    }

    /** VmData in kB once a sample taken after now has come in (leakgate samples once a second). */
    private static long vmDataAfterNextSample(Daemon onvif) throws InterruptedException {
        int seen = onvif.memory().size();
        for (int waited = 0; waited < 100 && onvif.memory().size() < seen + 2; waited++) {
            Thread.sleep(100);
        }
        List<MemoryTimeline.Point> points = onvif.memory();
        assertThat(points).as("memory samples of the daemon").hasSizeGreaterThan(seen);
        return points.get(points.size() - 1).vmDataKb();
    }

    @Test
    void vmDataLevelsOffWhileStreamsAreStarted(Daemon onvif) throws Exception {
        URI service = onvif.http(8081, "/onvif/media_service");
        getStreamUri(service, 100);
        onvif.mark("100 GetStreamUri main");
        long before = vmDataAfterNextSample(onvif);
        getStreamUri(service, 50);
        onvif.mark("150 GetStreamUri main");
        long after = vmDataAfterNextSample(onvif);

        assertThat(after - before).as("VmData grew by %d kB over the last 50 GetStreamUri main (from %d kB after 100"
                + " to %d kB after 150): the daemon keeps about %d bytes per request", after - before, before, after,
                (after - before) * 1024 / 50).isLessThan(4096);
    }
}
