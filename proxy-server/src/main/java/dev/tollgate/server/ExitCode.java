package dev.tollgate.server;

/** The process's exit codes, documented in the README for supervisors and scripts. */
public final class ExitCode {
    /** A clean stop: every call drained or cut at the drain timeout, all spend persisted. */
    public static final int OK = 0;
    /** A stop that could not persist all spend (the line before says how much, of how many customers). */
    public static final int UNFLUSHED = 1;
    /** Bad usage or configuration: unknown option, config file missing or invalid, default budget missing. */
    public static final int USAGE = 2;
    /** Could not start: port in use, database or Redis not usable, data directory not writable. */
    public static final int START_FAILED = 3;

    private ExitCode() {}
}
