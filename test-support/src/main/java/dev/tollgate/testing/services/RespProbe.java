package dev.tollgate.testing.services;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLSocketFactory;

/**
 * Asks a Redis whether it serves, over a plain socket in RESP (no client library in test-support):
 * {@code AUTH} when the address has a password, then {@code PING}, which must answer {@code +PONG}.
 */
final class RespProbe {
    private RespProbe() {}

    /** Returns normally when {@code address} answers PING; otherwise says why in the exception. */
    static void ping(RedisAddress address, Duration timeout) throws IOException {
        int ms = (int) timeout.toMillis();
        try (Socket socket = open(address, ms)) {
            socket.setSoTimeout(ms);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            if (address.password() != null) {
                List<String> auth = new ArrayList<>(List.of("AUTH"));
                if (address.user() != null) {
                    auth.add(address.user());
                }
                auth.add(address.password());
                out.write(command(auth));
                String reply = readLine(in);
                if (!reply.equals("+OK")) {
                    throw new IOException("AUTH refused: " + reply);
                }
            }
            out.write(command(List.of("PING")));
            String reply = readLine(in);
            if (!reply.equals("+PONG")) {
                throw new IOException("PING answered " + reply);
            }
        }
    }

    private static Socket open(RedisAddress address, int timeoutMs) throws IOException {
        Socket plain = new Socket();
        try {
            plain.connect(new InetSocketAddress(address.host(), address.port()), timeoutMs);
            if (!address.tls()) {
                return plain;
            }
            return ((SSLSocketFactory) SSLSocketFactory.getDefault())
                    .createSocket(plain, address.host(), address.port(), true);
        } catch (IOException e) {
            plain.close();
            throw e;
        }
    }

    private static byte[] command(List<String> args) {
        StringBuilder b = new StringBuilder("*").append(args.size()).append("\r\n");
        for (String a : args) {
            b.append('$')
                    .append(a.getBytes(StandardCharsets.UTF_8).length)
                    .append("\r\n")
                    .append(a)
                    .append("\r\n");
        }
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                break;
            }
            if (c != '\r') {
                line.write(c);
            }
            if (line.size() > 4096) {
                throw new IOException("not a Redis reply");
            }
        }
        if (c == -1 && line.size() == 0) {
            throw new IOException("connection closed without a reply");
        }
        return line.toString(StandardCharsets.UTF_8);
    }
}
