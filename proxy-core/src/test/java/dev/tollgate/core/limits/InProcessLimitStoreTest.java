package dev.tollgate.core.limits;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The contract against the in-process store, plus its bounded memory. */
class InProcessLimitStoreTest extends LimitStoreContractTest {

    @Override
    protected LimitStore newStore() {
        return new InProcessLimitStore();
    }

    @Test
    void oldWindowsAreDropped() {
        InProcessLimitStore s = (InProcessLimitStore) store;
        seed(0, 0);
        for (int minute = 0; minute < 30; minute++) {
            admit(CustomerLimits.UNLIMITED, T0 + minute * 60_000L, 0, 1);
        }
        assertThat(s.windowCount(customer)).isLessThanOrEqualTo(2);
    }

    @Test
    void expiredReservationBucketsAreDropped() {
        InProcessLimitStore s = (InProcessLimitStore) store;
        seed(0, 0);
        for (int minute = 0; minute < 30; minute++) {
            // Never settled.
            await(store.admit(new AdmitRequest(customer, CustomerLimits.UNLIMITED, T0 + minute * 60_000L, 10, 0, TTL)));
        }
        // TTL 5 min: the current minute plus the five before it are still held.
        assertThat(s.reservationBucketCount(customer)).isEqualTo(6);
        assertThat(snapshot().reservedNanos()).isEqualTo(60);
    }
}
