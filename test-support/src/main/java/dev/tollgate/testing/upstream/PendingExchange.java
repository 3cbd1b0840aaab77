package dev.tollgate.testing.upstream;

/**
 * One request waiting for, or receiving, its response on a connection.
 *
 * @param request    what was recorded
 * @param route      where it goes
 * @param body       the parsed JSON body; {@code null} for GET routes or when {@code parseError} is set
 * @param parseError why the body could not be parsed, or {@code null}
 * @param keepAlive  whether the connection stays open after the response
 */
record PendingExchange(
        RecordedRequest request, FakeRoute route, ParsedBody body, String parseError, boolean keepAlive) {

    /** True for a chat request that asked for SSE; a peer closing during it is counted. */
    boolean streaming() {
        return route.kind() == FakeRoute.Kind.CHAT && body != null && body.stream();
    }
}
