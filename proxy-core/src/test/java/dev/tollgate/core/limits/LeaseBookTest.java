package dev.tollgate.core.limits;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.core.limits.AdmitDecision.Outcome;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Local admission against slices, on the in-process store (the same contract as Redis). */
class LeaseBookTest {
    static final long T0 = 1_700_000_040_000L;
    static final long PERIOD_END = T0 + 3_600_000L;

    final InProcessLimitStore store = new InProcessLimitStore();
    final LeaseBook book = new LeaseBook(store, 1_000);

    @AfterEach
    void close() {
        store.close();
    }

    /** The call path of Admission: local first, else the store with an ask. */
    AdmitDecision admit(String id, CustomerLimits l, long now, long reserve, long tokens) {
        AdmitDecision local = book.tryLocal(id, l, now, reserve, tokens);
        if (local != null) {
            return local;
        }
        Lease ask = book.ask(id, reserve, tokens);
        LeasedAdmission la = await(store.admitAndLease(new AdmitRequest(id, l, now, reserve, tokens), ask));
        book.granted(id, ask, l, la.decision(), la.granted());
        return la.decision();
    }

    @Test
    void mostCallsOfABusyCustomerAreAdmittedLocallyAndTheStoreStillHoldsEverySlice() {
        await(store.seed("ann", 0, PERIOD_END));
        CustomerLimits l = new CustomerLimits(1_000_000_000L, 100_000, 100_000_000, PERIOD_END);
        int admitted = 0;
        for (int i = 0; i < 500; i++) {
            if (admit("ann", l, T0 + i * 2L, 100, 10).outcome() == Outcome.ADMITTED) {
                admitted++;
            }
        }
        assertThat(admitted).isEqualTo(500);
        assertThat(book.localAdmissions()).isGreaterThan(400);
        assertThat(book.storeAdmissions()).isEqualTo(500 - book.localAdmissions());
        // Nothing settled: the store holds every call's reservation plus what is left in the slice.
        long held = await(store.snapshot("ann")).reservedNanos();
        assertThat(held).isGreaterThanOrEqualTo(500 * 100L);

        book.returnAll();
        assertThat(await(store.snapshot("ann")).reservedNanos()).isEqualTo(500 * 100L);
        // Slices of one window join into one, so one goes back.
        assertThat(book.slicesGranted()).isGreaterThan(1);
        assertThat(book.slicesReturned()).isEqualTo(1);
    }

    @Test
    void anotherWindowOrChangedLimitsGoToTheStoreAndTheOldSliceComesBack() {
        await(store.seed("ann", 0, PERIOD_END));
        CustomerLimits l = new CustomerLimits(1_000_000_000L, 100_000, -1, PERIOD_END);
        for (int i = 0; i < LeaseBook.MIN_CALLS_PER_SECOND; i++) {
            admit("ann", l, T0, 100, 0);
        }
        assertThat(book.slicesGranted()).isEqualTo(1);
        assertThat(book.tryLocal("ann", l, T0 + 1, 100, 0)).isNotNull();

        CustomerLimits lowered = new CustomerLimits(500_000_000L, 100_000, -1, PERIOD_END);
        assertThat(book.tryLocal("ann", lowered, T0 + 2, 100, 0))
                .as("an admin change")
                .isNull();
        assertThat(book.tryLocal("ann", l, T0 + 60_000, 100, 0))
                .as("the next window")
                .isNull();

        admit("ann", lowered, T0 + 3, 100, 0); // a new slice replaces the old one, which goes back
        assertThat(book.slicesReturned()).isEqualTo(1);
    }

    @Test
    void whileOneAskIsOnItsWayOtherCallsAskForNothing() {
        await(store.seed("ann", 0, PERIOD_END));
        CustomerLimits l = new CustomerLimits(1_000_000_000L, 100_000, -1, PERIOD_END);
        for (int i = 0; i < LeaseBook.MIN_CALLS_PER_SECOND; i++) {
            assertThat(book.tryLocal("ann", l, T0, 100, 0)).isNull();
        }
        Lease first = book.ask("ann", 100, 0);
        assertThat(first.requests()).isGreaterThanOrEqualTo(2);
        assertThat(book.ask("ann", 100, 0)).isEqualTo(Lease.NONE);
        book.failed("ann", first);
        Lease again = book.ask("ann", 100, 0);
        assertThat(again).isEqualTo(first);
        LeasedAdmission la = await(store.admitAndLease(new AdmitRequest("ann", l, T0, 100, 0), again));
        book.granted("ann", again, l, la.decision(), la.granted());
        // Used up, then a second slice of the same window joins what is left instead of stranding it.
        long first2 = la.granted().requests();
        for (long i = 0; i < first2; i++) {
            assertThat(book.tryLocal("ann", l, T0 + 1, 100, 0)).isNotNull();
        }
        assertThat(book.tryLocal("ann", l, T0 + 1, 100, 0)).isNull();
        Lease more = book.ask("ann", 100, 0);
        LeasedAdmission lb = await(store.admitAndLease(new AdmitRequest("ann", l, T0 + 1, 100, 0), more));
        book.granted("ann", more, l, lb.decision(), lb.granted());
        assertThat(book.slicesReturned()).isZero();
        long slices = lb.granted().requests();
        assertThat(slices).isPositive();
        int local = 0;
        while (book.tryLocal("ann", l, T0 + 2, 100, 0) != null) {
            local++;
        }
        assertThat(local).isEqualTo(slices);
    }

    @Test
    void anIdleSliceIsReturnedByTheSweep() {
        await(store.seed("ann", 0, PERIOD_END));
        CustomerLimits l = new CustomerLimits(1_000_000_000L, -1, -1, PERIOD_END);
        long calls = LeaseBook.MIN_CALLS_PER_SECOND;
        for (int i = 0; i < calls; i++) {
            admit("ann", l, T0, 100, 0);
        }
        long withSlice = await(store.snapshot("ann")).reservedNanos();
        assertThat(withSlice).isGreaterThan(calls * 100);

        book.sweep(T0 + 999);
        assertThat(await(store.snapshot("ann")).reservedNanos()).isEqualTo(withSlice);
        book.sweep(T0 + 1_000);
        assertThat(await(store.snapshot("ann")).reservedNanos()).isEqualTo(calls * 100);
    }

    @Test
    void aCustomerCallingLessThanThreeTimesASecondIsNeverLeased() {
        // Many customers calling now and then: a slice would cost a return script call for one use.
        CustomerLimits l = new CustomerLimits(1_000_000_000L, 100_000, 100_000_000, PERIOD_END);
        for (int c = 0; c < 50; c++) {
            await(store.seed("c" + c, 0, PERIOD_END));
        }
        for (int second = 0; second < 5; second++) {
            for (int c = 0; c < 50; c++) {
                long now = T0 + second * 1_000L + c;
                assertThat(admit("c" + c, l, now, 100, 10).outcome()).isEqualTo(Outcome.ADMITTED);
                if (second % 2 == 0) {
                    admit("c" + c, l, now + 500, 100, 10); // two calls in this second
                }
            }
        }
        assertThat(book.slicesGranted()).isZero();
        assertThat(book.localAdmissions()).isZero();
    }

    @Test
    void aSmallLimitIsNeverLeasedSoAdmissionStaysExact() {
        await(store.seed("ann", 0, PERIOD_END));
        CustomerLimits l = new CustomerLimits(-1, 30, -1, PERIOD_END);
        int admitted = 0;
        for (int i = 0; i < 45; i++) {
            if (admit("ann", l, T0 + i, 0, 0).outcome() == Outcome.ADMITTED) {
                admitted++;
            }
        }
        assertThat(admitted).isEqualTo(30);
        assertThat(book.slicesGranted()).isZero();
        assertThat(book.localAdmissions()).isZero();
    }

    static <T> T await(CompletionStage<T> s) {
        try {
            return s.toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
