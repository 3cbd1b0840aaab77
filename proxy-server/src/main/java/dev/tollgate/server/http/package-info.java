/**
 * The Netty front: pipeline setup, request limits and deadlines, routing, the per-request
 * exchange that writes responses and error bodies, chunk framing, and health routes.
 */
package dev.tollgate.server.http;
