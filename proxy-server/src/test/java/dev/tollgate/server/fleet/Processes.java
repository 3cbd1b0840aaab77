package dev.tollgate.server.fleet;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** Small helpers for tests that run real processes on loopback (test-support's, for this package). */
final class Processes {
    private Processes() {}

    static int freePort() throws IOException {
        return dev.tollgate.testing.services.Processes.freePort();
    }

    /** Runs a command to completion (bounded) and returns its merged output. */
    static String run(List<String> cmd, int timeoutSeconds) throws IOException, InterruptedException {
        return dev.tollgate.testing.services.Processes.run(cmd, timeoutSeconds);
    }

    static void signal(long pid, String signal) throws IOException, InterruptedException {
        dev.tollgate.testing.services.Processes.signal(pid, signal);
    }

    static void deleteTree(Path dir) {
        dev.tollgate.testing.services.Processes.deleteTree(dir);
    }

    static boolean isRoot() {
        return dev.tollgate.testing.services.Processes.isRoot();
    }
}
