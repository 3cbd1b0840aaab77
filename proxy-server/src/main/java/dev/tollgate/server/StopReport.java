package dev.tollgate.server;

import dev.tollgate.core.money.Money;

/**
 * What a graceful stop left unpersisted. Clean when nothing was: every settle reached the database
 * (or, on Redis, the final flush went through). Otherwise {@link #line()} is the one line the stop
 * logs, and the process exits with {@link ExitCode#UNFLUSHED}.
 *
 * @param flushFailed       the final flush met a failure (database or limit store unreachable)
 * @param pendingCustomers  customers with spend still pending in the limit store after the final flush
 * @param pendingNanos      their pending spend, nano-dollars
 * @param pendingIsLost     true for the in-process store (it dies with the process); false on Redis,
 *                          where any instance or the next start flushes it
 * @param journalSettles    settles that reached neither the limit store nor the database: lost
 * @param journalNanos      their cost, nano-dollars
 */
record StopReport(
        boolean flushFailed,
        int pendingCustomers,
        long pendingNanos,
        boolean pendingIsLost,
        long journalSettles,
        long journalNanos) {

    boolean clean() {
        return !flushFailed && journalSettles == 0 && (!pendingIsLost || pendingNanos == 0);
    }

    int exitCode() {
        return clean() ? ExitCode.OK : ExitCode.UNFLUSHED;
    }

    /** The operator's line for a stop that is not clean. */
    String line() {
        StringBuilder b = new StringBuilder("Stop could not persist all spend: ");
        if (pendingIsLost) {
            b.append("$")
                    .append(Money.format(pendingNanos))
                    .append(" of ")
                    .append(pendingCustomers)
                    .append(" customer(s) was never written to the database and is lost");
        } else {
            b.append("$")
                    .append(Money.format(pendingNanos))
                    .append(" of ")
                    .append(pendingCustomers)
                    .append(
                            " customer(s) stays pending in Redis; any instance's flusher or the next start persists it");
        }
        if (journalSettles > 0) {
            b.append("; ")
                    .append(journalSettles)
                    .append(" settle(s) worth $")
                    .append(Money.format(journalNanos))
                    .append(" reached neither Redis nor the database and are lost");
        }
        return b.toString();
    }
}
