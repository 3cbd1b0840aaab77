/**
 * One proxied completion: request parsing and the upstream body splice, admission, deployment
 * choice, relaying JSON and SSE back to the client, settlement of the real cost, and the mock
 * provider.
 */
package dev.tollgate.server.proxy;
