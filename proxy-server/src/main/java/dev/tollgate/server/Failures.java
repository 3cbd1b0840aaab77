package dev.tollgate.server;

import java.util.Locale;

/** One-line descriptions of exceptions, for startup failures that must not print a stack trace. */
final class Failures {
    private Failures() {}

    /**
     * The most specific message in the cause chain (the root cause's, when it has one), on one
     * line; the exception's simple class name when no cause says anything.
     */
    static String oneLine(Throwable e) {
        String best = null;
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String m = t.getMessage();
            if (m != null && !m.isBlank()) {
                best = m;
            } else if (best == null) {
                best = t.getClass().getSimpleName();
            }
        }
        String firstLine = best.strip().lines().findFirst().orElse(best).strip();
        return firstLine.isEmpty() ? e.getClass().getSimpleName() : firstLine;
    }

    /**
     * Why a socket operation failed, as the operating system says it: "address already in use"
     * from {@code bind(..) failed: Address already in use} (epoll) or {@code Address already in use}
     * (NIO), "connection refused" from {@code finishConnect(..) failed with error(-111): Connection refused}.
     */
    static String socketReason(Throwable e) {
        String m = oneLine(e);
        int colon = m.lastIndexOf(": ");
        String reason = colon >= 0 ? m.substring(colon + 2) : m;
        return reason.isEmpty() ? m : reason.substring(0, 1).toLowerCase(Locale.ROOT) + reason.substring(1);
    }

    /** Whether {@code type} is anywhere in the cause chain. */
    static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }
}
