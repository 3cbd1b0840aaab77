package dev.tollgate.server.metrics;

import com.sun.management.UnixOperatingSystemMXBean;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The standard {@code process_*} series every Prometheus client exports ({@code process_cpu_seconds_total},
 * {@code process_resident_memory_bytes}, {@code process_virtual_memory_bytes}, {@code process_open_fds},
 * {@code process_max_fds}), so stock dashboards and alerts work. Micrometer's own CPU counter is
 * in nanoseconds ({@code process_cpu_time_ns_total}), which Prometheus tools flag. Series whose source
 * this platform lacks (no {@code /proc}, not a Unix JVM) are left out rather than exported as 0.
 */
final class ProcessMetrics implements MeterBinder {
    private static final Path STATUS = Path.of("/proc/self/status");

    @Override
    public void bindTo(MeterRegistry registry) {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun && sun.getProcessCpuTime() >= 0) {
            FunctionCounter.builder("process.cpu", sun, b -> b.getProcessCpuTime() / 1e9)
                    .baseUnit("seconds")
                    .description("Total user and system CPU time spent by the process in seconds")
                    .register(registry);
        }
        if (os instanceof UnixOperatingSystemMXBean unix) {
            Gauge.builder("process.open.fds", unix, UnixOperatingSystemMXBean::getOpenFileDescriptorCount)
                    .description("Number of open file descriptors")
                    .register(registry);
            Gauge.builder("process.max.fds", unix, UnixOperatingSystemMXBean::getMaxFileDescriptorCount)
                    .description("Maximum number of open file descriptors")
                    .register(registry);
        }
        if (statusKb("VmRSS:") >= 0) {
            Gauge.builder("process.resident.memory", this, m -> statusKb("VmRSS:") * 1024.0)
                    .baseUnit("bytes")
                    .description("Resident memory size in bytes")
                    .register(registry);
            Gauge.builder("process.virtual.memory", this, m -> statusKb("VmSize:") * 1024.0)
                    .baseUnit("bytes")
                    .description("Virtual memory size in bytes")
                    .register(registry);
        }
    }

    /** A {@code kB} field of {@code /proc/self/status}, or -1 where there is no such file (not Linux). */
    static long statusKb(String field) {
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith(field)) {
                    String v = line.substring(field.length()).trim();
                    int space = v.indexOf(' ');
                    return Long.parseLong(space < 0 ? v : v.substring(0, space));
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
