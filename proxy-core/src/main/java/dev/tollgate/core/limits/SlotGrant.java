package dev.tollgate.core.limits;

/**
 * Answer of {@link LimitStore#acquireSlot}: whether the call got one of the customer's in-flight
 * slots ({@code max_parallel_requests}), and how many are taken now (including this one when
 * acquired; the count that refused it otherwise).
 */
public record SlotGrant(boolean acquired, long inFlight) {}
