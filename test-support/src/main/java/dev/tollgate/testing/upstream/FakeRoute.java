package dev.tollgate.testing.upstream;

import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.List;

/**
 * Maps a method and request target to what the fake serves. Only exact paths match, so the proxy's
 * path rewriting is tested too: anything else is {@link Kind#NOT_FOUND}.
 *
 * @param kind       what to answer
 * @param path       the path without the query string
 * @param deployment the Azure deployment name, or {@code null} on OpenAI routes
 * @param apiVersion the {@code api-version} query parameter, or {@code null}
 */
record FakeRoute(Kind kind, String path, String deployment, String apiVersion) {
    enum Kind {
        CHAT,
        EMBEDDINGS,
        MODELS,
        NOT_FOUND
    }

    private static final String AZURE_PREFIX = "/openai/deployments/";

    static FakeRoute resolve(HttpMethod method, String uri) {
        QueryStringDecoder decoder = new QueryStringDecoder(uri);
        String path = decoder.path();
        List<String> versions = decoder.parameters().get("api-version");
        String apiVersion = versions == null || versions.isEmpty() ? null : versions.get(0);
        if (HttpMethod.GET.equals(method)) {
            Kind kind = path.equals("/v1/models") || path.equals("/models") ? Kind.MODELS : Kind.NOT_FOUND;
            return new FakeRoute(kind, path, null, apiVersion);
        }
        if (!HttpMethod.POST.equals(method)) {
            return new FakeRoute(Kind.NOT_FOUND, path, null, apiVersion);
        }
        switch (path) {
            case "/v1/chat/completions", "/chat/completions" -> {
                return new FakeRoute(Kind.CHAT, path, null, apiVersion);
            }
            case "/v1/embeddings", "/embeddings" -> {
                return new FakeRoute(Kind.EMBEDDINGS, path, null, apiVersion);
            }
            default -> {
                return azure(path, apiVersion);
            }
        }
    }

    /** {@code /openai/deployments/{deployment}/chat/completions} and {@code .../embeddings}. */
    private static FakeRoute azure(String path, String apiVersion) {
        if (path.startsWith(AZURE_PREFIX)) {
            String rest = path.substring(AZURE_PREFIX.length());
            int slash = rest.indexOf('/');
            if (slash > 0) {
                String deployment = QueryStringDecoder.decodeComponent(rest.substring(0, slash));
                String tail = rest.substring(slash);
                if (tail.equals("/chat/completions")) {
                    return new FakeRoute(Kind.CHAT, path, deployment, apiVersion);
                }
                if (tail.equals("/embeddings")) {
                    return new FakeRoute(Kind.EMBEDDINGS, path, deployment, apiVersion);
                }
            }
        }
        return new FakeRoute(Kind.NOT_FOUND, path, null, apiVersion);
    }
}
