package dev.leakgate.board;

import com.jcraft.jsch.ChannelExec;
import com.jcraft.jsch.JSchException;
import dev.leakgate.board.ssh.BoardException;
import dev.leakgate.board.ssh.SshBoard;
import dev.leakgate.process.ShellQuoting;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A daemon's UDP port on an SSH board, reached from a local UDP address: SSH forwards TCP only, so
 * each datagram travels framed over the stdin and stdout of one SSH command, the kit's
 * {@code leakgate_udp_relay} built for the board's CPU, which sends it to the port on the board's
 * loopback and frames the answers back (the protocol is in {@code leakgate_udp_relay.c}). Each local
 * sender is a client of its own on the board, so a daemon's answers reach the sender that asked.
 * Closed with the run; the relay ends at the end of its input.
 */
final class UdpRelay implements AutoCloseable {

    private static final int READY = 0xFFFF;
    private static final int MAX_CLIENTS = 256;
    /** Starting a program under QEMU user mode takes a moment; a busy board longer. */
    private static final Duration START = Duration.ofSeconds(30);

    private final ChannelExec channel;
    private final DatagramSocket local;
    private final OutputStream toBoard;
    private final Map<SocketAddress, Integer> clients = new HashMap<>();
    private final List<SocketAddress> senders = new ArrayList<>();
    private volatile boolean closed;

    private UdpRelay(ChannelExec channel, DatagramSocket local, OutputStream toBoard) {
        this.channel = channel;
        this.local = local;
        this.toBoard = toBoard;
    }

    /**
     * Starts the relay at {@code relayPath} on the board for its UDP port and waits for its first
     * frame; throws a {@link BoardException} with the relay's own words when it does not start (not
     * built for the board's CPU, not there, not executable).
     */
    static UdpRelay start(SshBoard board, String relayPath, int boardPort,
                          String runId) {
        String command = "exec " + ShellQuoting.quote(relayPath) + " " + boardPort + " " + ShellQuoting.quote(runId);
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        ChannelExec channel = null;
        DatagramSocket local = null;
        try {
            channel = board.openExec();
            channel.setCommand(command);
            channel.setErrStream(err, true);
            OutputStream toBoard = channel.getOutputStream();
            InputStream fromBoard = channel.getInputStream();
            channel.connect((int) START.toMillis());
            local = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            UdpRelay relay = new UdpRelay(channel, local, toBoard);
            DataInputStream in = new DataInputStream(fromBoard);
            CompletableFuture<Void> ready = new CompletableFuture<>();
            Thread down = new Thread(() -> relay.carryAnswers(in, ready), "leakgate-udp-relay " + boardPort + " answers");
            down.setDaemon(true);
            down.start();
            try {
                ready.get(START.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException | ExecutionException e) {
                String why = err.toString(StandardCharsets.UTF_8).strip();
                relay.close();
                throw new BoardException("the UDP relay " + relayPath + " did not start on " + board + " for UDP port "
                        + boardPort + (e instanceof TimeoutException ? " within " + START.toSeconds() + " s" : "")
                        + (why.isEmpty() ? "" : ": " + why) + (channel.isClosed() ? " (exit status "
                        + channel.getExitStatus() + ")" : "") + ". Build leakgate_udp_relay.c from leakgate's kit"
                        + " (java -jar leakgate-cli.jar kit) with the board's cross compiler, for its CPU, and name"
                        + " the result in udpRelay", e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                relay.close();
                throw new BoardException("interrupted while the UDP relay started on " + board, e);
            }
            Thread up = new Thread(relay::carryDatagrams, "leakgate-udp-relay " + boardPort + " datagrams");
            up.setDaemon(true);
            up.start();
            return relay;
        } catch (JSchException | IOException e) {
            if (channel != null) {
                channel.disconnect();
            }
            if (local != null) {
                local.close();
            }
            throw new BoardException("cannot start the UDP relay for port " + boardPort + " on " + board + ": "
                    + e.getMessage(), e);
        }
    }

    /** Why a board's UDP port cannot be reached without the relay, and what to build. */
    static BoardException missing(int port, Object board) {
        return new BoardException("UDP port " + port + " cannot be reached on " + board + ": SSH forwards TCP only, and"
                + " UDP travels through leakgate's UDP relay on the board, which was not given. Build"
                + " leakgate_udp_relay.c from leakgate's kit (java -jar leakgate-cli.jar kit) with the board's cross"
                + " compiler and name it in udpRelay (--udp-relay on the command line)");
    }

    /** The local UDP address the test sends to; answers come back to the sender. */
    InetSocketAddress address() {
        return (InetSocketAddress) local.getLocalSocketAddress();
    }

    /** Datagrams from local senders to the board, each under its sender's client number. */
    private void carryDatagrams() {
        byte[] buf = new byte[65535];
        DatagramPacket packet = new DatagramPacket(buf, buf.length);
        while (!closed) {
            try {
                packet.setLength(buf.length);
                local.receive(packet);
                int client;
                synchronized (clients) {
                    Integer known = clients.get(packet.getSocketAddress());
                    if (known == null) {
                        if (senders.size() == MAX_CLIENTS) {
                            continue; // more senders than the relay has sockets: dropped, as UDP may
                        }
                        known = senders.size();
                        senders.add(packet.getSocketAddress());
                        clients.put(packet.getSocketAddress(), known);
                    }
                    client = known;
                }
                byte[] frame = new byte[4 + packet.getLength()];
                frame[0] = (byte) (client >> 8);
                frame[1] = (byte) client;
                frame[2] = (byte) (packet.getLength() >> 8);
                frame[3] = (byte) packet.getLength();
                System.arraycopy(buf, 0, frame, 4, packet.getLength());
                synchronized (toBoard) {
                    toBoard.write(frame);
                    toBoard.flush();
                }
            } catch (IOException e) {
                return; // closed, or the channel is gone
            }
        }
    }

    /** The daemon's answers from the board, each to the sender of its client number. */
    private void carryAnswers(DataInputStream in, CompletableFuture<Void> ready) {
        byte[] buf = new byte[65535];
        try {
            while (true) {
                int client = in.readUnsignedShort();
                int length = in.readUnsignedShort();
                in.readFully(buf, 0, length);
                if (client == READY) {
                    ready.complete(null);
                    continue;
                }
                SocketAddress to;
                synchronized (clients) {
                    to = client < senders.size() ? senders.get(client) : null;
                }
                if (to != null) {
                    local.send(new DatagramPacket(buf, length, to));
                }
            }
        } catch (EOFException e) {
            ready.completeExceptionally(new IOException("the relay ended"));
        } catch (IOException e) {
            ready.completeExceptionally(e); // the local socket closed, or the channel broke
        }
    }

    @Override
    public void close() {
        closed = true;
        local.close();
        channel.disconnect();
    }
}
