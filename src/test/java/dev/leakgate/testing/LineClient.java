package dev.leakgate.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A client of the test daemons: src/test/c/daemon.c (one line a TCP connection, then its answer) and
 * src/test/c/udp_daemon.c (one datagram, then its answer datagram).
 */
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

    /** Sends one datagram from this socket and returns the answer datagram that comes back to it. */
    public static String udpRequest(DatagramSocket socket, InetSocketAddress to, String text)
            throws IOException {
        byte[] data = text.getBytes(StandardCharsets.US_ASCII);
        socket.setSoTimeout(30_000);
        socket.send(new DatagramPacket(data, data.length, to));
        DatagramPacket answer = new DatagramPacket(new byte[1024], 1024);
        socket.receive(answer);
        return new String(answer.getData(), 0, answer.getLength(), StandardCharsets.US_ASCII);
    }
}
