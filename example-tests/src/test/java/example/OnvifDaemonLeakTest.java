package example;

import static dev.leakgate.assertj.LeakgateAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.leakgate.junit.Daemon;
import dev.leakgate.junit.ValgrindOnBoard;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The field report as it happened: the camera's ONVIF daemon, unmodified, runs under valgrind on
 * the board while the test sends it real SOAP requests with Java's HttpClient through the forwarded
 * port, and takes named leak checks between request batches (through leakgate's preload probe).
 * After the test the daemon is stopped with SIGTERM and the run is gated: the fixed library passes;
 * the leaky one (-Pshow-leak) fails naming the batch of GetStreamUri requests in which
 * onvifStartStream leaked, with file:line, and each snapshot helper process the daemon forked, by its
 * pid, at make_exif_header: every process the daemon starts is judged on its own report. ONVIF
 * discovery is UDP: its probes reach the daemon through leakgate's UDP relay on the board.
 */
@ValgrindOnBoard(harness = "target/board/current/onvif_daemon", args = "8080", ports = 8080,
                 libs = "target/board/current/libonvif_server.so", probe = "target/board/leakgate_probe.so",
                 udpPorts = 3702, udpRelay = "target/board/leakgate_udp_relay", readySeconds = 240)
class OnvifDaemonLeakTest {

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(30)).build();

    private static String soap(String body) {
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                + "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\""
                + " xmlns:trt=\"http://www.onvif.org/ver10/media/wsdl\"><s:Body>" + body + "</s:Body></s:Envelope>";
    }

    private static String post(URI service, String body) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(service).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/soap+xml; charset=utf-8")
                .POST(HttpRequest.BodyPublishers.ofString(soap(body))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return response.body();
    }

    private static String getStreamUri(String profile) {
        return "<trt:GetStreamUri><trt:ProfileToken>" + profile + "</trt:ProfileToken></trt:GetStreamUri>";
    }

    @Test
    void getStreamUriOfTheMainStreamDoesNotLeak(Daemon onvif) throws Exception {
        URI service = onvif.http(8080, "/onvif/media_service");
        assertThat(post(service, "<trt:GetProfiles/>")).contains("<trt:Profiles token=\"main\"");
        onvif.leakCheck("started");

        for (int i = 0; i < 50; i++) {
            assertThat(post(service, getStreamUri("main"))).contains("<tt:Uri>rtsp://127.0.0.1:8554/main</tt:Uri>");
        }
        post(service, "<trt:GetProfiles/>"); // allocates nothing: no pointer of the batch is left on the stack
        onvif.leakCheck("after 50 GetStreamUri main");

        for (int i = 0; i < 50; i++) {
            post(service, getStreamUri("sub"));
        }
        post(service, "<trt:GetProfiles/>");
        onvif.leakCheck("after 50 GetStreamUri sub");
    }

    @Test
    void subStreamRequestsLoseNothing(Daemon onvif) throws Exception {
        URI service = onvif.http(8080, "/onvif/media_service");
        onvif.leakCheck("started");
        for (int i = 0; i < 20; i++) {
            post(service, getStreamUri("sub"));
        }
        post(service, "<trt:GetProfiles/>"); // a request that allocates nothing, after the batch
        assertThat(onvif.leakCheck("after 20 GetStreamUri sub")).hasLostNothing();
    }

    @Test
    void snapshotsTakenByTheHelperProcessLoseNothing(Daemon onvif) throws Exception {
        URI service = onvif.http(8080, "/onvif/media_service");
        onvif.leakCheck("started");
        for (int i = 0; i < 3; i++) {
            // each snapshot is taken by a helper process the daemon forks; leakgate judges each on its own report
            assertThat(post(service, "<trt:GetSnapshotUri><trt:ProfileToken>main</trt:ProfileToken>"
                    + "</trt:GetSnapshotUri>")).contains("snapshot.jpg");
        }
        onvif.leakCheck("after 3 snapshots");
    }

    @Test
    void discoveryProbesOverUdpAreAnsweredAndLoseNothing(Daemon onvif) throws Exception {
        InetSocketAddress discovery = onvif.udpAddress(3702);
        onvif.leakCheck("started");
        try (DatagramSocket socket = new DatagramSocket()) {
            socket.setSoTimeout(30_000);
            for (int i = 0; i < 10; i++) {
                String messageId = "urn:uuid:00000000-0000-0000-0000-00000000000" + i;
                byte[] probe = ("<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\""
                        + " xmlns:a=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\""
                        + " xmlns:d=\"http://schemas.xmlsoap.org/ws/2005/04/discovery\"><s:Header>"
                        + "<a:MessageID>" + messageId + "</a:MessageID></s:Header>"
                        + "<s:Body><d:Probe/></s:Body></s:Envelope>").getBytes(StandardCharsets.UTF_8);
                socket.send(new DatagramPacket(probe, probe.length, discovery));
                DatagramPacket match = new DatagramPacket(new byte[4096], 4096);
                socket.receive(match);
                assertThat(new String(match.getData(), 0, match.getLength(), StandardCharsets.UTF_8))
                        .contains("<a:RelatesTo>" + messageId + "</a:RelatesTo>",
                                "<d:XAddrs>http://127.0.0.1:8080/onvif/device_service</d:XAddrs>");
            }
        }
        assertThat(onvif.leakCheck("after 10 discovery probes")).hasLostNothing();
    }
}
