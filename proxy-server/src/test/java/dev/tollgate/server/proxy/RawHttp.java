package dev.tollgate.server.proxy;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A deliberately dumb HTTP/1.1 client on a plain socket: tests write exactly the bytes they want
 * (oversized lines, bogus framing, {@code Expect: 100-continue}) and read responses one part at a
 * time, on one connection, so keep-alive reuse and connection closes are observable.
 */
public final class RawHttp implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    private RawHttp(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream(), 8192);
        this.out = socket.getOutputStream();
    }

    public static RawHttp connect(int port) throws IOException {
        return connect(port, -1);
    }

    /** @param receiveBuffer SO_RCVBUF to ask for before connecting (a slow reader), or -1 */
    public static RawHttp connect(int port, int receiveBuffer) throws IOException {
        Socket s = new Socket();
        if (receiveBuffer > 0) {
            s.setReceiveBufferSize(receiveBuffer);
        }
        s.setSoTimeout(15_000);
        s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        return new RawHttp(s);
    }

    /** A POST with a Content-Length body and the given extra header lines (each without CRLF). */
    public static byte[] post(String path, String body, String... headerLines) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        StringBuilder sb = new StringBuilder("POST ").append(path).append(" HTTP/1.1\r\nHost: localhost\r\n");
        for (String h : headerLines) {
            sb.append(h).append("\r\n");
        }
        sb.append("Content-Length: ").append(bytes.length).append("\r\n\r\n");
        byte[] head = sb.toString().getBytes(StandardCharsets.ISO_8859_1);
        byte[] all = new byte[head.length + bytes.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(bytes, 0, all, head.length, bytes.length);
        return all;
    }

    public static String bearer(String key) {
        return "Authorization: Bearer " + key;
    }

    public int localPort() {
        return socket.getLocalPort();
    }

    public RawHttp send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    public RawHttp send(String ascii) throws IOException {
        return send(ascii.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** Reads one complete response (Content-Length, chunked, or until close). */
    public Response read() throws IOException {
        Head head = readHead();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (head.chunked()) {
            byte[] chunk;
            while ((chunk = readChunk()) != null) {
                body.writeBytes(chunk);
            }
        } else if (head.contentLength() >= 0) {
            body.writeBytes(readN(head.contentLength()));
        } else {
            body.writeBytes(in.readAllBytes());
        }
        return new Response(head.status(), head.headers(), body.toByteArray());
    }

    /** Status line and headers only; the body is left to {@link #readChunk()} or {@link #read()}. */
    public Head readHead() throws IOException {
        String status = readLine();
        if (status == null) {
            throw new EOFException("connection closed before a response");
        }
        String[] parts = status.split(" ", 3);
        Map<String, String> headers = new LinkedHashMap<>();
        String line;
        while ((line = readLine()) != null && !line.isEmpty()) {
            int colon = line.indexOf(':');
            headers.put(
                    line.substring(0, colon).trim().toLowerCase(Locale.ROOT),
                    line.substring(colon + 1).trim());
        }
        return new Head(Integer.parseInt(parts[1]), headers);
    }

    /** The next chunk of a chunked body; null after the terminating zero-length chunk. */
    public byte[] readChunk() throws IOException {
        String size = readLine();
        if (size == null) {
            throw new EOFException("connection closed inside a chunked body");
        }
        int semi = size.indexOf(';');
        int n = Integer.parseInt((semi < 0 ? size : size.substring(0, semi)).trim(), 16);
        if (n == 0) {
            String trailer;
            while ((trailer = readLine()) != null && !trailer.isEmpty()) {
                // trailers ignored
            }
            return null;
        }
        byte[] data = readN(n);
        readLine();
        return data;
    }

    /**
     * Reads chunks until the connection ends; returns the bytes. For streams that are cut (no
     * terminating chunk): whatever arrived before the close.
     */
    public byte[] readChunksUntilClose() throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        try {
            byte[] chunk;
            while ((chunk = readChunk()) != null) {
                body.writeBytes(chunk);
            }
            throw new IllegalStateException(
                    "stream ended with a terminating chunk: " + body.toString(StandardCharsets.UTF_8));
        } catch (EOFException | SocketException closed) {
            return body.toByteArray();
        }
    }

    /** True when the peer closed the connection (EOF or reset) within the socket timeout. */
    public boolean closedByPeer() throws IOException {
        try {
            return in.read() == -1;
        } catch (SocketException reset) {
            return true;
        } catch (SocketTimeoutException stillOpen) {
            return false;
        }
    }

    public void soTimeout(int millis) throws SocketException {
        socket.setSoTimeout(millis);
    }

    private byte[] readN(int n) throws IOException {
        byte[] b = in.readNBytes(n);
        if (b.length < n) {
            throw new EOFException("expected " + n + " bytes, got " + b.length);
        }
        return b;
    }

    private String readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(64);
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                byte[] b = line.toByteArray();
                int len = b.length > 0 && b[b.length - 1] == '\r' ? b.length - 1 : b.length;
                return new String(b, 0, len, StandardCharsets.ISO_8859_1);
            }
            line.write(c);
        }
        return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    public record Head(int status, Map<String, String> headers) {
        public boolean chunked() {
            return "chunked".equalsIgnoreCase(headers.get("transfer-encoding"));
        }

        public int contentLength() {
            String v = headers.get("content-length");
            return v == null ? -1 : Integer.parseInt(v);
        }
    }

    public record Response(int status, Map<String, String> headers, byte[] body) {
        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }
}
