package dev.tollgate.bench.jmh;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.core.json.Json;
import dev.tollgate.core.money.PriceTable;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the bundled price catalogue (about 2,300 models) adds to a start: reading and parsing
 * {@code prices.json} from the jar into a {@link PriceTable}. {@code cold} is one load in a fresh
 * JVM (what a start pays: class loading, no JIT), {@code warm} the same work once compiled.
 * Run with {@code bench/jmh.sh PriceCatalogue}.
 */
@State(Scope.Benchmark)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class PriceCatalogueBenchmark {
    private byte[] file;

    @Setup
    public void setUp() throws IOException {
        try (InputStream in = PriceTable.class.getResourceAsStream("/prices.json")) {
            file = in.readAllBytes();
        }
    }

    private PriceTable load() throws IOException {
        JsonNode root = Json.MAPPER.readTree(file);
        return PriceTable.fromJson(root);
    }

    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @Warmup(iterations = 0)
    @Measurement(iterations = 1)
    @Fork(10)
    public PriceTable cold() throws IOException {
        return load();
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @Warmup(iterations = 3, time = 1)
    @Measurement(iterations = 5, time = 1)
    @Fork(1)
    public PriceTable warm() throws IOException {
        return load();
    }
}
