package dev.tollgate.bench.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** One line describing the machine: CPU model, cores, memory, kernel, JVM. */
final class Machine {
    private Machine() {}

    static String describe() {
        String cpu = "?";
        try {
            for (String l : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (l.startsWith("model name")) {
                    cpu = l.substring(l.indexOf(':') + 1).trim();
                    break;
                }
            }
        } catch (IOException ignored) {
            // not Linux
        }
        long memKb = 0;
        try {
            for (String l : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (l.startsWith("MemTotal:")) {
                    memKb = Long.parseLong(l.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // not Linux
        }
        return cpu + ", " + Runtime.getRuntime().availableProcessors() + " vCPU, " + (memKb >> 20) + " GB RAM, Linux "
                + System.getProperty("os.version") + ", " + System.getProperty("java.vm.name") + " "
                + System.getProperty("java.version");
    }
}
