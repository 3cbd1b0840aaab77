package dev.tollgate.server.proxy;

import dev.tollgate.core.anthropic.MessagesRequest;
import dev.tollgate.core.config.ConfigException;
import dev.tollgate.core.config.ModelDeployment;
import dev.tollgate.core.json.Json;
import dev.tollgate.server.http.Headers;
import dev.tollgate.server.upstream.UpstreamTarget;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A deployment with everything precomputed that each call needs: where to connect, which path,
 * which auth header. {@code inFlight} feeds least-busy routing.
 */
public final class ResolvedDeployment {
    private static final String ANTHROPIC_VERSION = "anthropic-version";
    /** The Messages API version Tollgate's translation follows. */
    private static final String ANTHROPIC_API_VERSION = "2023-06-01";

    private final ModelDeployment config;
    private final UpstreamTarget target;
    private final String chatPath;
    private final String embeddingsPath;
    private final String authHeader;
    private final String authValue;
    private final AtomicInteger inFlight = new AtomicInteger();
    /** {@code "model":"<upstream model>"}, spliced into every request body sent upstream. */
    private final byte[] modelMember;
    /** Speaks Anthropic's Messages API: request and answer are translated. */
    private final boolean anthropic;

    ResolvedDeployment(
            ModelDeployment config,
            UpstreamTarget target,
            String chatPath,
            String embeddingsPath,
            String authHeader,
            String authValue) {
        this.config = config;
        this.target = target;
        this.chatPath = chatPath;
        this.embeddingsPath = embeddingsPath;
        this.authHeader = authHeader;
        this.authValue = authValue;
        this.modelMember = MemberOffsets.member("model", Json.bytes(config.upstreamModel()));
        this.anthropic = config.provider().equalsIgnoreCase("anthropic");
    }

    /**
     * Builds the routing data of one config entry. The config loader has checked the provider and
     * the {@code api_base} (the provider's own when the entry sets none).
     */
    public static ResolvedDeployment of(ModelDeployment d, int index) {
        if (d.isMock()) {
            return new ResolvedDeployment(d, null, null, null, null, null);
        }
        String provider = d.provider().toLowerCase(Locale.ROOT);
        UpstreamTarget target;
        try {
            target = UpstreamTarget.of(d.apiBase());
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new ConfigException("model_list[" + index + "].litellm_params.api_base: " + e.getMessage());
        }
        if (provider.equals("anthropic")) {
            return new ResolvedDeployment(d, target, messagesPath(target.basePath()), null, "x-api-key", d.apiKey());
        }
        if (provider.equals("azure")) {
            String version = d.apiVersion() == null ? "2024-10-21" : d.apiVersion();
            String prefix = target.basePath() + "/openai/deployments/" + d.upstreamModel();
            return new ResolvedDeployment(
                    d,
                    target,
                    prefix + "/chat/completions?api-version=" + version,
                    prefix + "/embeddings?api-version=" + version,
                    "api-key",
                    d.apiKey());
        }
        String bearer = d.apiKey() == null ? null : "Bearer " + d.apiKey();
        return new ResolvedDeployment(
                d,
                target,
                target.basePath() + "/chat/completions",
                target.basePath() + "/embeddings",
                "authorization",
                bearer);
    }

    /**
     * The Messages API path under a base URL: LiteLLM's configs give Anthropic's root
     * ({@code https://api.anthropic.com}), sometimes with {@code /v1} or the whole path.
     */
    private static String messagesPath(String basePath) {
        if (basePath.endsWith("/v1/messages")) {
            return basePath;
        }
        return basePath.endsWith("/v1") ? basePath + "/messages" : basePath + "/v1/messages";
    }

    public ModelDeployment config() {
        return config;
    }

    /** Whether calls are translated to and from Anthropic's Messages API. */
    boolean anthropic() {
        return anthropic;
    }

    /** Whether {@code POST /v1/messages} can be relayed here: an Anthropic upstream, not the built-in mock. */
    boolean speaksMessages() {
        return anthropic && target != null;
    }

    public UpstreamTarget target() {
        return target;
    }

    public String path(CompletionRequest.Kind kind) {
        return kind == CompletionRequest.Kind.EMBEDDING ? embeddingsPath : chatPath;
    }

    public String authHeader() {
        return authHeader;
    }

    public String authValue() {
        return authValue;
    }

    /**
     * The request to send upstream for {@code request}: the client's body with this deployment's
     * model spliced in, this deployment's path, host and auth. A stream asks for exact usage even
     * when the client did not (its relay then drops the usage-only chunk). The body is made of
     * slices of the client's (see {@link BodyComposer}); the request is the caller's to release.
     */
    FullHttpRequest upstreamRequest(CompletionRequest request, String customerId, ByteBufAllocator alloc) {
        ByteBuf body;
        if (request.kind() == CompletionRequest.Kind.MESSAGES) {
            // Already the Messages API: only the model changes.
            body = request.upstreamBody(alloc, modelMember, false);
        } else if (anthropic) {
            body = Unpooled.wrappedBuffer(Json.bytes(MessagesRequest.fromChat(
                    request.body(), config.upstreamModel(), config.price().maxOutputTokens(), customerId)));
        } else {
            body = request.upstreamBody(alloc, modelMember, request.stream() && !request.clientWantsUsage());
        }
        FullHttpRequest r = new DefaultFullHttpRequest(
                HttpVersion.HTTP_1_1,
                HttpMethod.POST,
                path(request.kind()),
                body,
                Headers.OUTGOING,
                Headers.OUTGOING_TRAILERS);
        HttpHeaders h = r.headers();
        h.set(HttpHeaderNames.HOST, target.hostHeader());
        h.set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        h.setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        h.set(HttpHeaderNames.ACCEPT, request.stream() ? "text/event-stream" : "application/json");
        h.set(HttpHeaderNames.USER_AGENT, "tollgate");
        if (authValue != null) {
            h.set(authHeader, authValue);
        }
        if (anthropic) {
            h.set(ANTHROPIC_VERSION, ANTHROPIC_API_VERSION);
        }
        return r;
    }

    public AtomicInteger inFlight() {
        return inFlight;
    }
}
