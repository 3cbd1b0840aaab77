package dev.tollgate.testing.services;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Stops the servers a test JVM started in a directory, and deletes it, should that JVM die without
 * doing so itself ({@code kill -9}, a crash, a fork killed on timeout): a small {@code sh} loop
 * that checks once a second whether the JVM is alive, then signals every server whose pid file is
 * in the directory ({@code postmaster.pid}: SIGQUIT, PostgreSQL's immediate shutdown; any other
 * {@code *.pid}: SIGKILL). A server that stops normally removes its pid file, and {@link #close()}
 * ends the loop without doing anything.
 */
final class Watchdog implements AutoCloseable {
    private static final String SCRIPT = """
            while kill -0 "$1" 2>/dev/null; do sleep 1; done
            for f in $(find "$2" -name '*.pid' 2>/dev/null); do
              pid=$(head -n 1 "$f")
              case "$f" in
                */postmaster.pid) kill -QUIT "$pid" ;;
                *) kill -KILL "$pid" ;;
              esac
            done 2>/dev/null
            sleep 2
            rm -rf "$2"
            """;

    private final Process loop;

    private Watchdog(Process loop) {
        this.loop = loop;
    }

    /** Watches this JVM on behalf of {@code dir}. */
    static Watchdog guard(Path dir) throws IOException {
        Process p = new ProcessBuilder(
                        "sh",
                        "-c",
                        SCRIPT,
                        "tollgate-test-watchdog",
                        Long.toString(ProcessHandle.current().pid()),
                        dir.toAbsolutePath().toString())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectErrorStream(true)
                .start();
        return new Watchdog(p);
    }

    long pid() {
        return loop.pid();
    }

    /** Ends the loop: the owner has stopped its servers itself. */
    @Override
    public void close() {
        loop.destroyForcibly();
    }
}
