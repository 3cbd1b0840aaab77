/**
 * One proxied completion: request parsing and the upstream body splice, admission, deployment
 * choice, relaying JSON and SSE back to the client, settlement of the real cost, and the mock
 * provider. A relay sees its call only through {@link dev.tollgate.server.proxy.RelayedCall} and
 * reports how its upstream attempt ended as one {@link dev.tollgate.server.proxy.RelayOutcome}.
 */
package dev.tollgate.server.proxy;
