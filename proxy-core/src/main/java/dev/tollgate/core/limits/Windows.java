package dev.tollgate.core.limits;

/** The fixed RPM/TPM window: 60 s, aligned to the epoch minute, identical in every store. */
public final class Windows {
    public static final long WINDOW_MS = 60_000;
    /** Windows are kept for two windows, so a call settled just after its minute still corrects it. */
    public static final long RETENTION_MS = 2 * WINDOW_MS;

    private Windows() {}

    public static long start(long nowMs) {
        return nowMs - Math.floorMod(nowMs, WINDOW_MS);
    }
}
