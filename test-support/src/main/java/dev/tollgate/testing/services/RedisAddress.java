package dev.tollgate.testing.services;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/** A {@code redis://[[user]:password@]host[:port][/db]} (or {@code rediss://}) URL taken apart. */
record RedisAddress(String url, String host, int port, String user, String password, boolean tls) {
    static RedisAddress parse(String url) {
        URI uri;
        try {
            uri = URI.create(url.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a Redis URL: " + e.getMessage());
        }
        String scheme = uri.getScheme();
        if (!"redis".equals(scheme) && !"rediss".equals(scheme) || uri.getHost() == null) {
            throw new IllegalArgumentException(
                    "expected redis://host:port (or rediss://), one Redis server, got '" + redact(url) + "'");
        }
        String user = null;
        String password = null;
        String info = uri.getRawUserInfo();
        if (info != null) {
            int colon = info.indexOf(':');
            String u = colon < 0 ? info : info.substring(0, colon);
            user = u.isEmpty() || colon < 0 ? null : decode(u);
            password = colon < 0 ? decode(info) : decode(info.substring(colon + 1));
        }
        return new RedisAddress(
                url.trim(),
                uri.getHost(),
                uri.getPort() == -1 ? 6379 : uri.getPort(),
                user,
                password,
                "rediss".equals(scheme));
    }

    /** The URL with any password replaced by {@code ***}, for messages. */
    String redacted() {
        return redact(url);
    }

    static String redact(String url) {
        return url.replaceAll("//([^/@]*:)?[^/@]*@", "//$1***@");
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }
}
