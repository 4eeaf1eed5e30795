package dev.leakgate.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** A client of the test daemon (src/test/c/daemon.c): one line a connection, then its answer. */
public final class LineClient {

    private LineClient() {
    }

    /** Sends one request line and returns the daemon's answer ("ok"). */
    public static String request(InetSocketAddress address, String line) throws IOException {
        try (Socket s = new Socket(address.getHostString(), address.getPort())) {
            s.setSoTimeout(30_000);
            OutputStream out = s.getOutputStream();
            out.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip();
        }
    }
}
