package dev.tollgate.admin.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class IdFingerprintsTest {
    @Test
    void holdsWhatWasAddedThroughGrowthAndNothingElse() {
        IdFingerprints ids = new IdFingerprints();
        for (int i = 0; i < 50_000; i++) {
            ids.add("cust-" + i);
        }
        ids.add("cust-7"); // again: counted once
        assertThat(ids.size()).isEqualTo(50_000);
        for (int i = 0; i < 50_000; i++) {
            assertThat(ids.contains("cust-" + i)).isTrue();
        }
        int falsePositives = 0;
        for (int i = 50_000; i < 150_000; i++) {
            falsePositives += ids.contains("cust-" + i) ? 1 : 0;
        }
        assertThat(falsePositives).isZero();
        assertThat(ids.contains("")).isFalse();
        assertThat(IdFingerprints.fingerprint("a")).isNotEqualTo(IdFingerprints.fingerprint("b"));
    }
}
