package dev.tollgate.bench.scenario;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A process the bench started (upstream, nginx, Tollgate), with its CPU time and resident memory
 * read from {@code /proc} — the process and all its descendants (nginx's workers).
 */
public final class ChildProcess implements AutoCloseable {
    /** Linux USER_HZ: /proc times are in 1/100 s on every mainstream kernel. */
    private static final double TICKS_PER_SECOND = 100.0;

    private final String name;
    private final Process process;
    private final Path log;

    private ChildProcess(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    /** Starts {@code command} with stdout and stderr going to {@code log}. */
    public static ChildProcess start(String name, List<String> command, Path log) throws IOException {
        ProcessBuilder pb =
                new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        return new ChildProcess(name, pb.start(), log);
    }

    /** Starts {@code command} and returns it once a line of its output starts with {@code prefix}; that line is in {@code firstLine}. */
    public static ChildProcess startAndAwaitLine(
            String name, List<String> command, String prefix, String[] firstLine, long timeoutMs)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        Process p = pb.start();
        BufferedReader reader = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        long deadline = System.currentTimeMillis() + timeoutMs;
        String line;
        while ((line = reader.readLine()) != null) {
            if (line.startsWith(prefix)) {
                firstLine[0] = line;
                break;
            }
            if (System.currentTimeMillis() > deadline) {
                break;
            }
        }
        if (firstLine[0] == null) {
            p.destroyForcibly();
            throw new IOException(name + " did not print '" + prefix + "'");
        }
        // Keep draining so the child never blocks on a full pipe.
        Thread drain = new Thread(
                () -> {
                    try {
                        while (reader.readLine() != null) {
                            // discard
                        }
                    } catch (IOException ignored) {
                        // process gone
                    }
                },
                name + "-drain");
        drain.setDaemon(true);
        drain.start();
        return new ChildProcess(name, p, null);
    }

    public String name() {
        return name;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public Path log() {
        return log;
    }

    private List<Long> pids() {
        List<Long> pids = new ArrayList<>();
        pids.add(process.pid());
        process.descendants().forEach(h -> pids.add(h.pid()));
        return pids;
    }

    /** User + system CPU seconds used so far by the process and its descendants. */
    public double cpuSeconds() {
        long ticks = 0;
        for (long pid : pids()) {
            ticks += cpuTicks(pid);
        }
        return ticks / TICKS_PER_SECOND;
    }

    /** Resident set size in bytes of the process and its descendants. */
    public long rssBytes() {
        long kb = 0;
        for (long pid : pids()) {
            try {
                for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                    if (l.startsWith("VmRSS:")) {
                        kb += Long.parseLong(l.replaceAll("[^0-9]", ""));
                    }
                }
            } catch (IOException | RuntimeException e) {
                // process gone
            }
        }
        return kb * 1024;
    }

    static long cpuTicks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            // Fields after the command name (which may contain spaces) start after the last ')'.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // utime and stime are fields 14 and 15 of stat; here index 11 and 12.
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** SIGTERM, then SIGKILL after {@code graceMs}. */
    public void stop(long graceMs) {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(graceMs, TimeUnit.MILLISECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    @Override
    public void close() {
        stop(10_000);
    }
}
