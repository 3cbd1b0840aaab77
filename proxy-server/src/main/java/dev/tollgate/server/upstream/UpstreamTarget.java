package dev.tollgate.server.upstream;

import java.net.URI;

/** Where a deployment's calls go: scheme, host and port (the pool key), and the base path. */
public record UpstreamTarget(boolean tls, String host, int port, String basePath) {

    public static UpstreamTarget of(String baseUrl) {
        URI uri = URI.create(baseUrl);
        boolean tls = "https".equalsIgnoreCase(uri.getScheme());
        if (!tls && !"http".equalsIgnoreCase(uri.getScheme())) {
            throw new IllegalArgumentException("api_base must be an http:// or https:// URL, got " + baseUrl);
        }
        int port = uri.getPort() != -1 ? uri.getPort() : (tls ? 443 : 80);
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        if (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        return new UpstreamTarget(tls, uri.getHost(), port, path);
    }

    /** Value of the Host header. */
    public String hostHeader() {
        boolean defaultPort = (tls && port == 443) || (!tls && port == 80);
        return defaultPort ? host : host + ":" + port;
    }

    /** The pool key: base path does not matter for connection reuse. */
    public String poolKey() {
        return (tls ? "https://" : "http://") + host + ":" + port;
    }
}
