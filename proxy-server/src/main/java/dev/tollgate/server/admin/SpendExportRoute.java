package dev.tollgate.server.admin;

import dev.tollgate.admin.db.JdbcExecutor;
import dev.tollgate.admin.export.SpendExport;
import dev.tollgate.core.error.ErrorKind;
import dev.tollgate.core.error.TollgateException;
import dev.tollgate.server.auth.MasterKeyAuth;
import dev.tollgate.server.http.Exchange;
import dev.tollgate.server.http.Route;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;

/**
 * {@code GET /tollgate/customers.csv?start_date=YYYY-MM-DD&end_date=YYYY-MM-DD} (master key):
 * customers and their spend over a range of UTC days, streamed as CSV ({@link SpendExport}). The
 * rows are read on the JDBC executor and written in chunks of about 64 KiB as they come; the
 * reader waits while the client is slower than the database, so memory stays flat whatever the
 * number of customers. Defaults: from the first day of the current month to today.
 */
public final class SpendExportRoute implements Route {
    private static final int CHUNK_CHARS = 64 * 1024;
    private static final long CLIENT_STALL_LIMIT_MS = 60_000;

    private final MasterKeyAuth auth;
    private final SpendExport export;
    private final JdbcExecutor jdbc;
    private final Clock clock;

    public SpendExportRoute(MasterKeyAuth auth, SpendExport export, JdbcExecutor jdbc, Clock clock) {
        this.auth = auth;
        this.export = export;
        this.jdbc = jdbc;
        this.clock = clock;
    }

    @Override
    public void handle(FullHttpRequest request, Exchange exchange) {
        auth.check(request.headers());
        QueryStringDecoder uri = new QueryStringDecoder(request.uri());
        LocalDate today = LocalDate.now(clock.withZone(ZoneOffset.UTC));
        LocalDate end = date(uri, "end_date", today);
        LocalDate start = date(uri, "start_date", end.withDayOfMonth(1));
        if (start.isAfter(end)) {
            throw new TollgateException(
                    ErrorKind.INVALID_REQUEST,
                    "start_date must not be after end_date. Received: start_date=" + start + ", end_date=" + end,
                    "start_date");
        }
        DefaultHttpHeaders h = new DefaultHttpHeaders();
        h.set(HttpHeaderNames.CONTENT_TYPE, "text/csv; charset=utf-8");
        h.set(
                HttpHeaderNames.CONTENT_DISPOSITION,
                "attachment; filename=\"tollgate-spend-" + start + "-to-" + end + ".csv\"");
        h.set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        Channel channel = exchange.channel();
        jdbc.submit(() -> {
                    ChunkWriter out = new ChunkWriter(exchange, channel, h);
                    export.write(start, end, out);
                    out.finish();
                    return null;
                })
                .whenComplete((v, err) -> {
                    if (err != null) {
                        channel.eventLoop().execute(() -> {
                            if (exchange.streaming()) {
                                exchange.abortStream(null);
                            } else {
                                exchange.error(err);
                            }
                        });
                    }
                });
    }

    /** Gathers text into chunks and hands each to the connection's event loop, waiting while it is not writable. */
    private static final class ChunkWriter implements SpendExport.Sink {
        private final Exchange exchange;
        private final Channel channel;
        private final StringBuilder pending = new StringBuilder(CHUNK_CHARS + 1024);
        private boolean started;

        ChunkWriter(Exchange exchange, Channel channel, DefaultHttpHeaders headers) {
            this.exchange = exchange;
            this.channel = channel;
            channel.eventLoop().execute(() -> exchange.startStream(HttpResponseStatus.OK, headers));
            started = true;
        }

        @Override
        public void write(CharSequence text) throws IOException {
            pending.append(text);
            if (pending.length() >= CHUNK_CHARS) {
                send();
            }
        }

        void finish() throws IOException {
            send();
            channel.eventLoop().execute(exchange::endStream);
        }

        private void send() throws IOException {
            if (pending.length() == 0 || !started) {
                return;
            }
            long waitedMs = 0;
            while (!channel.isWritable()) {
                if (!channel.isActive()) {
                    throw new IOException("client went away during the export");
                }
                if (waitedMs > CLIENT_STALL_LIMIT_MS) {
                    throw new IOException("client read nothing for " + CLIENT_STALL_LIMIT_MS / 1000 + " s");
                }
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("export interrupted", e);
                }
                waitedMs += 5;
            }
            if (!channel.isActive()) {
                throw new IOException("client went away during the export");
            }
            ByteBuf chunk = Unpooled.wrappedBuffer(pending.toString().getBytes(StandardCharsets.UTF_8));
            pending.setLength(0);
            channel.eventLoop().execute(() -> exchange.writeChunk(chunk));
        }
    }

    private static LocalDate date(QueryStringDecoder uri, String name, LocalDate dflt) {
        List<String> v = uri.parameters().get(name);
        if (v == null || v.isEmpty() || v.get(0).isBlank()) {
            return dflt;
        }
        try {
            return LocalDate.parse(v.get(0).trim());
        } catch (DateTimeException e) {
            throw new TollgateException(
                    ErrorKind.INVALID_REQUEST,
                    name + " must be a date in YYYY-MM-DD format. Received: " + v.get(0),
                    name);
        }
    }
}
