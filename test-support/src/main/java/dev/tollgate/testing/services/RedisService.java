package dev.tollgate.testing.services;

/**
 * The Redis the tests use. Tests share it: each keeps to its own random key prefix and deletes
 * its keys, never {@code FLUSHALL}.
 *
 * @param url {@code redis://...}, for Lettuce and for a Tollgate config's {@code redis_url}
 */
public record RedisService(String url, Origin origin) {}
