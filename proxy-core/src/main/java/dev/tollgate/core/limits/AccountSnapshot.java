package dev.tollgate.core.limits;

/** What the store holds for one customer; {@code present} is false when it holds nothing. */
public record AccountSnapshot(boolean present, long spentNanos, long reservedNanos, long periodEndMs) {
    public static final AccountSnapshot ABSENT = new AccountSnapshot(false, 0, 0, 0);
}
