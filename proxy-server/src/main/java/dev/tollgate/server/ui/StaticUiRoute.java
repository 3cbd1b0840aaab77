package dev.tollgate.server.ui;

import dev.tollgate.core.error.ErrorKind;
import dev.tollgate.core.error.TollgateException;
import dev.tollgate.server.http.Exchange;
import dev.tollgate.server.http.Route;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The admin page: {@code /ui}, {@code /ui/} and {@code /ui/<file>}, served from the classpath
 * folder {@code ui/}. The files are read once, at construction, so a request never touches the
 * disk and only the listed files can ever be served (no path is resolved from the request).
 *
 * <p>The page holds no secret and needs no key; the data it shows comes from the admin API, which
 * requires the master key. Every answer carries {@code Content-Security-Policy: default-src 'self'}
 * (no inline script or style, no third-party origin) and {@code X-Content-Type-Options: nosniff}.
 * Files are revalidated on every load ({@code no-cache} plus a strong ETag), so an upgrade of the
 * proxy is picked up without stale scripts.
 */
public final class StaticUiRoute implements Route {
    /** The page's policy. The admin page is never framed, so clickjacking is ruled out too. */
    public static final String CSP = "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    private static final String ROOT = "ui/";
    /** Every file of the page; nothing else is ever served. */
    static final List<String> FILES = List.of(
            "index.html",
            "app.css",
            "favicon.svg",
            "app.js",
            "lib/api.js",
            "lib/dom.js",
            "lib/format.js",
            "lib/forms.js",
            "lib/load.js",
            "lib/router.js",
            "lib/state.js",
            "lib/widgets.js",
            "views/budgets.js",
            "views/customer-forms.js",
            "views/customer.js",
            "views/customers.js",
            "views/overview.js",
            "views/session.js");

    private record Asset(byte[] body, String contentType, String etag) {}

    private final Map<String, Asset> assets = new LinkedHashMap<>();

    public StaticUiRoute() {
        this(StaticUiRoute.class.getClassLoader());
    }

    StaticUiRoute(ClassLoader loader) {
        for (String name : FILES) {
            byte[] body = read(loader, ROOT + name);
            assets.put(name, new Asset(body, contentType(name), etag(body)));
        }
    }

    /** True for the paths this route owns. */
    public static boolean owns(String path) {
        return path.equals("/ui") || path.startsWith("/ui/");
    }

    @Override
    public void handle(FullHttpRequest request, Exchange exchange) {
        HttpMethod method = request.method();
        if (!method.equals(HttpMethod.GET) && !method.equals(HttpMethod.HEAD)) {
            throw new TollgateException(
                    ErrorKind.METHOD_NOT_ALLOWED,
                    "Method " + method + " is not allowed on the admin page; use GET.",
                    null,
                    ErrorKind.METHOD_NOT_ALLOWED.status(),
                    Map.of("allow", "GET, HEAD"));
        }
        String path = new QueryStringDecoder(request.uri()).path();
        String name = path.equals("/ui") || path.equals("/ui/") ? "index.html" : path.substring("/ui/".length());
        Asset asset = assets.get(name);
        if (asset == null) {
            throw new TollgateException(
                    ErrorKind.ROUTE_NOT_FOUND, "Not found: " + path + ". The admin page is at /ui/.");
        }
        boolean notModified = asset.etag().equals(request.headers().get(HttpHeaderNames.IF_NONE_MATCH));
        boolean withBody = !notModified && method.equals(HttpMethod.GET);
        FullHttpResponse res = new DefaultFullHttpResponse(
                HttpVersion.HTTP_1_1,
                notModified ? HttpResponseStatus.NOT_MODIFIED : HttpResponseStatus.OK,
                withBody ? Unpooled.wrappedBuffer(asset.body()) : Unpooled.EMPTY_BUFFER);
        HttpHeaders h = res.headers();
        h.set(HttpHeaderNames.CONTENT_TYPE, asset.contentType());
        h.set(HttpHeaderNames.CONTENT_SECURITY_POLICY, CSP);
        h.set("X-Content-Type-Options", "nosniff");
        h.set("Referrer-Policy", "no-referrer");
        h.set(HttpHeaderNames.CACHE_CONTROL, "no-cache");
        h.set(HttpHeaderNames.ETAG, asset.etag());
        exchange.full(res);
    }

    static String contentType(String name) {
        String ext = name.substring(name.lastIndexOf('.') + 1);
        return switch (ext) {
            case "html" -> "text/html; charset=utf-8";
            case "js", "mjs" -> "text/javascript; charset=utf-8";
            case "css" -> "text/css; charset=utf-8";
            case "svg" -> "image/svg+xml";
            case "png" -> "image/png";
            case "json" -> "application/json";
            default -> "application/octet-stream";
        };
    }

    private static byte[] read(ClassLoader loader, String resource) {
        try (InputStream in = loader.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("Admin page file missing from the classpath: " + resource);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + resource, e);
        }
    }

    private static String etag(byte[] body) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(body);
            return "\"" + HexFormat.of().formatHex(d, 0, 12) + "\"";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
