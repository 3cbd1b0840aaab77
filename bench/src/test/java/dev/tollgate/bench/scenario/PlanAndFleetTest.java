package dev.tollgate.bench.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.bench.gc.GcActivity;
import dev.tollgate.bench.load.LatencyRecorder;
import dev.tollgate.bench.load.LoadResult;
import dev.tollgate.bench.load.LoadSpec;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The large-prompt and hot-customer points of the plan, the fleet's split and merge, per-call arithmetic. */
class PlanAndFleetTest {

    @Test
    void fullPlanHasTheLargePromptPointsButNotTheHotCustomerOnes() {
        List<String> ids = Plan.of(false).points().stream().map(Point::id).toList();
        assertThat(ids)
                .contains("large-16", "large-64", "large50k-16", "large50k-64", "large-16-mix", "large-64-mix")
                .doesNotContain("hot-1x", "hot-3x");
        Point mix = point(Plan.of(false), "large-64-mix");
        assertThat(mix.halfStreaming()).isTrue();
        assertThat(mix.stream()).isFalse();
        assertThat(mix.connections()).isEqualTo(64);
        assertThat(mix.promptBytes()).isEqualTo(400_000);
        assertThat(mix.title()).contains("half streaming").contains("400 KB");
        Point half = point(Plan.of(false), "large50k-16");
        assertThat(half.promptBytes()).isEqualTo(200_000);
        assertThat(half.title()).contains("200 KB prompt (~50K tokens)");
        assertThat(half.bodyBytes()).isBetween(199_000, 200_000);
    }

    @Test
    void onlyPicksNamedPointsInPlanOrderIncludingOnRequestOnesAndRefusesUnknownIds() {
        Plan p = Plan.of(true, Set.of("hot-3x", "large-16", "hot-1x"));
        assertThat(p.points().stream().map(Point::id)).containsExactly("large-16", "hot-1x", "hot-3x");
        Point fleet = p.points().get(2);
        assertThat(fleet.fleet()).isTrue();
        assertThat(fleet.instances()).isEqualTo(3);
        assertThat(fleet.customers()).isEqualTo(1);
        assertThat(fleet.tollgateOnly()).isTrue();
        assertThat(p.points().get(1).fleet()).isFalse();
        assertThat(Plan.of(true, Set.of()).points()).hasSameSizeAs(Plan.of(true).points());
        assertThatThrownBy(() -> Plan.of(false, Set.of("large-32")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("large-32");
    }

    @Test
    void connectionsSplitAsEvenlyAsTheyDivide() {
        assertThat(Fleet.split(64, 3)).containsExactly(22, 21, 21);
        assertThat(Fleet.split(6, 3)).containsExactly(2, 2, 2);
    }

    @Test
    void fleetResultsAddUp() {
        LoadSpec spec = new LoadSpec(
                "127.0.0.1",
                1,
                "/v1/chat/completions",
                Map.of(),
                "fast",
                false,
                1,
                64,
                0,
                Duration.ZERO,
                Duration.ofSeconds(8),
                Duration.ofSeconds(5));
        LatencyRecorder a = new LatencyRecorder();
        a.recordOkMicros(1000, 10);
        LatencyRecorder b = new LatencyRecorder();
        b.recordOkMicros(3000, 30);
        LoadResult merged = FleetRun.merge(
                spec, List.of(new LoadResult(spec, a, 800, 1000, 8, 22), new LoadResult(spec, b, 1600, 2000, 8, 21)));
        assertThat(merged.completedInWindow()).isEqualTo(2400);
        assertThat(merged.completedTotal()).isEqualTo(3000);
        assertThat(merged.throughput()).isEqualTo(300.0);
        assertThat(merged.maxInFlight()).isEqualTo(43);
        assertThat(merged.latency().getTotalCount()).isEqualTo(40);
    }

    @Test
    void perCallFiguresUseTheWindowsCallsAndRedisCoresTheMeasuredRate() {
        Point p = point(Plan.of(false), "large-16");
        LoadSpec spec = new LoadSpec(
                "127.0.0.1",
                1,
                "/v1/chat/completions",
                Map.of(),
                "fast",
                false,
                10,
                16,
                0,
                Duration.ZERO,
                Duration.ofSeconds(8),
                Duration.ofSeconds(5));
        LoadResult r = new LoadResult(spec, new LatencyRecorder(), 8_000, 10_000, 8, 16);
        Measurement m = new Measurement(p, "t", r, 5.0, 20_000, 1, 0.5, new GcActivity(4_000_000_000L, 3, 9, 4));
        assertThat(m.allocatedBytesPerCall()).isEqualTo(500_000.0);
        assertThat(m.redisCpuMicrosPerCall()).isEqualTo(50.0);
        // 50 µs per call at 1,000 calls/s: 5 % of a core.
        assertThat(m.redisCoresAtMeasuredRate()).isCloseTo(0.05, org.assertj.core.api.Assertions.within(1e-12));
        assertThat(new Measurement(p, "nginx", r, 5.0, -1, -1, -1).allocatedBytesPerCall())
                .isNaN();
    }

    private static Point point(Plan plan, String id) {
        return plan.points().stream().filter(x -> x.id().equals(id)).findFirst().orElseThrow();
    }
}
