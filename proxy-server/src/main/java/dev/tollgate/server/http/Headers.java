package dev.tollgate.server.http;

import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpHeadersFactory;

/**
 * Header maps for the messages the proxy builds itself. Their names are constants or come from
 * upstream responses the HTTP decoder already validated, so checking each name again (a
 * per-character token scan on every set) is skipped; values are still checked, because some
 * carry request data. Headers of incoming requests are validated by the decoders as usual.
 */
public final class Headers {
    public static final HttpHeadersFactory OUTGOING =
            DefaultHttpHeadersFactory.headersFactory().withNameValidation(false);
    public static final HttpHeadersFactory OUTGOING_TRAILERS =
            DefaultHttpHeadersFactory.trailersFactory().withNameValidation(false);

    private Headers() {}

    public static HttpHeaders outgoing() {
        return OUTGOING.newHeaders();
    }
}
