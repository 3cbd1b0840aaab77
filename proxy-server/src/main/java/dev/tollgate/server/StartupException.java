package dev.tollgate.server;

/**
 * A start that failed, with one line for the operator (no stack trace; the cause is kept for the
 * debug log) and the exit code it maps to ({@link ExitCode#USAGE} for configuration,
 * {@link ExitCode#START_FAILED} otherwise).
 */
public final class StartupException extends Exception {
    private static final long serialVersionUID = 1L;
    private final int exitCode;

    private StartupException(String message, int exitCode, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    /** The configuration is wrong: fixing it is the operator's job, retrying changes nothing. */
    public static StartupException config(String message, Throwable cause) {
        return new StartupException(message, ExitCode.USAGE, cause);
    }

    /** Something the proxy needs is not usable: a port, the database, Redis, the data directory. */
    public static StartupException cannotStart(String message, Throwable cause) {
        return new StartupException(message, ExitCode.START_FAILED, cause);
    }

    public int exitCode() {
        return exitCode;
    }
}
