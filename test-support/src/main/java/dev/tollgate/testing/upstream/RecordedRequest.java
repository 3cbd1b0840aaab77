package dev.tollgate.testing.upstream;

import io.netty.handler.codec.http.HttpHeaders;
import java.time.Instant;

/**
 * One request as {@link FakeUpstream} received it.
 *
 * @param method         HTTP method, e.g. {@code POST}
 * @param uri            request target as sent, query string included
 * @param path           the path part of {@code uri}
 * @param headers        a private copy of the headers; lookups are case-insensitive
 * @param body           the body decoded as UTF-8 ({@code ""} when there is none)
 * @param receivedAt     when the full request had been read
 * @param azureDeployment the {@code {deployment}} of an Azure route, else {@code null}
 * @param apiVersion     the {@code api-version} query parameter, else {@code null}
 */
public record RecordedRequest(
        String method,
        String uri,
        String path,
        HttpHeaders headers,
        String body,
        Instant receivedAt,
        String azureDeployment,
        String apiVersion) {

    /** The first value of a header, ignoring the case of its name, or {@code null}. */
    public String header(String name) {
        return headers.get(name);
    }
}
