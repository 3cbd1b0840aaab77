package dev.tollgate.bench.scenario;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Several Tollgate processes deployed as a fleet is: the bench's one Redis, its one PostgreSQL
 * database and one key prefix, each instance on its own port. The fleet points measure them
 * together ({@link FleetRun}); their CPU is the sum of the instances'.
 */
final class Fleet implements AutoCloseable {
    private final String name;
    private final List<Target> instances;

    private Fleet(String name, List<Target> instances) {
        this.name = name;
        this.instances = List.copyOf(instances);
    }

    /** {@code n} Redis + PostgreSQL Tollgates named {@code name-1} .. {@code name-n}; all or none are left running. */
    static Fleet start(
            Launcher launcher, String name, int n, Path jar, Map<Upstream, Integer> upstreamPorts, String runId)
            throws IOException, InterruptedException {
        List<Target> started = new ArrayList<>();
        try {
            for (int i = 1; i <= n; i++) {
                started.add(launcher.tollgate(name + "-" + i, jar, upstreamPorts, true, runId));
            }
        } catch (IOException | InterruptedException | RuntimeException e) {
            started.forEach(Target::close);
            throw e;
        }
        return new Fleet(name, started);
    }

    String name() {
        return name;
    }

    List<Target> instances() {
        return instances;
    }

    /** CPU seconds of all instances so far. */
    double cpuSeconds() {
        return instances.stream().mapToDouble(Target::cpuSeconds).sum();
    }

    /** Each instance's share of {@code connections}: as even as it divides, the first ones one more. */
    static int[] split(int connections, int instances) {
        int[] share = new int[instances];
        for (int i = 0; i < instances; i++) {
            share[i] = connections / instances + (i < connections % instances ? 1 : 0);
        }
        return share;
    }

    @Override
    public void close() {
        instances.forEach(Target::close);
    }
}
