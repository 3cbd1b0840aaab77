package dev.tollgate.server.http;

import dev.tollgate.core.error.TollgateException;

/**
 * A request the front of the pipeline refused before it was complete (malformed framing, headers
 * or URL over the limit, body over the limit, not received in time). It travels down the pipeline
 * like a request, so that {@link RequestDispatcher} answers it in its turn, after the responses of
 * the requests before it, and then closes the connection: after such a request the byte stream
 * cannot be trusted.
 */
record Rejection(TollgateException failure) {}
