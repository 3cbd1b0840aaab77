package dev.tollgate.bench.gc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pause lines of a JDK 17 G1 log, and the window's allocation reconstructed from them. */
class GcLogTest {
    private static final long MB = 1 << 20;

    @TempDir
    Path dir;

    @Test
    void parsesEveryKindOfPauseAndNothingElse() {
        assertThat(GcPause.parse(
                        "[12.345s][info][gc] GC(7) Pause Young (Normal) (G1 Evacuation Pause) 310M->12M(512M) 3.123ms"))
                .contains(new GcPause(7, 310 * MB, 12 * MB, 3.123));
        assertThat(
                        GcPause.parse(
                                "[1.0s][info][gc] GC(8) Pause Young (Concurrent Start) (G1 Humongous Allocation) 200M->150M(512M) 4.5ms"))
                .contains(new GcPause(8, 200 * MB, 150 * MB, 4.5));
        assertThat(GcPause.parse("[1.1s][info][gc] GC(8) Pause Remark 160M->100M(512M) 1.020ms"))
                .contains(new GcPause(8, 160 * MB, 100 * MB, 1.02));
        assertThat(GcPause.parse("[1.2s][info][gc] GC(8) Pause Cleanup 100M->100M(512M) 0.051ms"))
                .contains(new GcPause(8, 100 * MB, 100 * MB, 0.051));
        assertThat(GcPause.parse("[9.0s][info][gc] GC(30) Pause Full (System.gc()) 28M->1M(512M) 19.844ms"))
                .contains(new GcPause(30, 28 * MB, MB, 19.844));
        assertThat(GcPause.parse("[0.006s][info][gc] Using G1")).isEmpty();
        assertThat(GcPause.parse("[1.3s][info][gc] GC(8) Concurrent Mark Cycle 40.123ms"))
                .isEmpty();
        assertThat(GcPause.parse("[1.4s][info][gc] GC(9) Pause Young (Normal) (G1 Evacuation Pause) 310M->1"))
                .isEmpty();
    }

    @Test
    void allocationIsHeapGrowthPlusWhatEachPauseFreed() {
        // Heap 40 MB at the start; grows to 300 (+260), GC to 20; grows to 280 (+260), GC to 30; ends at 90 (+60).
        List<String> window = List.of(
                "[1.0s][info][gc] GC(1) Pause Young (Normal) (G1 Evacuation Pause) 300M->20M(512M) 2.000ms",
                "[1.1s][info][gc] GC(1) Concurrent Mark Cycle 55.000ms",
                "[1.5s][info][gc] GC(2) Pause Young (Normal) (G1 Evacuation Pause) 280M->30M(512M) 6.500ms");
        GcActivity a = GcLog.activity(window, 40 * MB, 90 * MB);
        assertThat(a.allocatedBytes()).isEqualTo(580 * MB);
        assertThat(a.pauses()).isEqualTo(2);
        assertThat(a.pauseMillisTotal()).isCloseTo(8.5, within(1e-9));
        assertThat(a.pauseMillisMax()).isEqualTo(6.5);
        assertThat(a.allocatedBytesPer(1000)).isCloseTo(580.0 * MB / 1000, within(1e-6));
    }

    @Test
    void aWindowWithoutCollectionsIsTheHeapGrowth() {
        GcActivity a = GcLog.activity(List.of(), 100 * MB, 130 * MB);
        assertThat(a).isEqualTo(new GcActivity(30 * MB, 0, 0, 0));
        assertThat(GcActivity.NONE.allocatedBytesPer(0)).isNaN();
    }

    @Test
    void sinceAMarkReadsOnlyTheLinesWrittenAfterItAndLeavesATornLineForLater() throws Exception {
        Path file = dir.resolve("gc.log");
        Files.writeString(
                file,
                "[0.006s][info][gc] Using G1\n"
                        + "[0.5s][info][gc] GC(0) Pause Young (Normal) (G1 Evacuation Pause) 100M->10M(512M) 9.000ms\n");
        GcLog log = new GcLog(file);
        GcLog.Mark mark = log.mark(50 * MB);
        assertThat(mark.lines()).isEqualTo(2);
        Files.writeString(
                file,
                "[1.0s][info][gc] GC(1) Pause Young (Normal) (G1 Evacuation Pause) 250M->12M(512M) 1.500ms\n"
                        + "[1.9s][info][gc] GC(2) Pause Young (Normal) (G1 Evac",
                java.nio.file.StandardOpenOption.APPEND);
        GcActivity a = log.since(mark, 60 * MB);
        assertThat(a.pauses()).isEqualTo(1);
        assertThat(a.pauseMillisMax()).isEqualTo(1.5);
        assertThat(a.allocatedBytes()).isEqualTo((60 - 50 + 250 - 12) * MB);
    }

    @Test
    void roundsAndFleetInstancesAdd() {
        GcActivity a = new GcActivity(100, 2, 3.0, 2.0).plus(new GcActivity(50, 1, 4.0, 4.0));
        assertThat(a).isEqualTo(new GcActivity(150, 3, 7.0, 4.0));
    }

    @Test
    void aMissingLogIsAnEmptyWindow() throws Exception {
        GcLog log = new GcLog(dir.resolve("none.log"));
        assertThat(log.since(log.mark(MB), MB)).isEqualTo(GcActivity.NONE);
    }
}
