package dev.tollgate.core.limits;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;

/**
 * The flusher's side of the {@link LimitStore} contract for pages of customers (run by every
 * {@link LimitStoreContractTest}): claiming and acknowledging several customers at once gives each
 * customer what one call each would, and an acknowledgement that leaves a customer with nothing
 * pending clears its dirty mark, so a flushed customer is not claimed again until it settles again.
 */
public abstract class PendingPageContract extends LimitStoreContractSupport {

    /** One settled call of {@code cost} nanos for {@code customerId} (seeded with nothing spent). */
    protected void settleOne(String customerId, long cost) {
        await(store.seed(customerId, 0, PERIOD_END));
        AdmitDecision d =
                await(store.admit(new AdmitRequest(customerId, new CustomerLimits(-1, -1, -1, PERIOD_END), T0, 0, 0)));
        await(store.settle(SettleRequest.builder()
                .customerId(customerId)
                .windowStartMs(d.windowStartMs())
                .costNanos(cost)
                .day(DAY)
                .model("m")
                .success(true)
                .build()));
    }

    private static <T> List<T> awaitAll(List<CompletionStage<T>> stages) {
        List<T> out = new ArrayList<>(stages.size());
        for (CompletionStage<T> s : stages) {
            out.add(await(s));
        }
        return out;
    }

    private List<String> customers(int n) {
        List<String> ids = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            ids.add(customer + "-" + i);
        }
        return ids;
    }

    @Test
    void aPageOfClaimsGivesEachCustomerItsOwnBatchInOrder() {
        // More than one script page on a single Redis (100 customers a call).
        List<String> ids = customers(230);
        for (int i = 0; i < ids.size(); i++) {
            if (i % 3 != 2) { // every third customer has nothing pending
                settleOne(ids.get(i), 1_000 + i);
            }
        }

        List<PendingBatch> batches = awaitAll(store.claimPending(ids));

        assertThat(batches).hasSize(ids.size());
        for (int i = 0; i < ids.size(); i++) {
            PendingBatch b = batches.get(i);
            assertThat(b.customerId()).isEqualTo(ids.get(i));
            if (i % 3 == 2) {
                assertThat(b.isEmpty()).as("customer %d", i).isTrue();
                assertThat(b.batchId()).isNull();
            } else {
                assertThat(b.spendByPeriod()).containsExactly(new PendingBatch.PeriodSpend(PERIOD_END, 1_000 + i));
                assertThat(b.batchId()).isNotNull();
            }
        }
        assertThat(batches.stream()
                        .map(PendingBatch::batchId)
                        .filter(x -> x != null)
                        .distinct())
                .as("every claimed batch has an id of its own")
                .hasSize(ids.size() - ids.size() / 3);
        // A page claimed again hands out the same unacknowledged batches.
        assertThat(awaitAll(store.claimPending(ids))).isEqualTo(batches);
        assertThat(await(store.claimPending(ids.get(0)))).isEqualTo(batches.get(0));
    }

    @Test
    void aPageOfAcksDropsOnlyMatchingBatchesAndClearsTheMarksOfCustomersLeftWithNothing() {
        List<String> ids = customers(150);
        for (String id : ids) {
            settleOne(id, 10);
        }
        List<PendingBatch> batches = awaitAll(store.claimPending(ids));
        String settledAgain = ids.get(7);
        settleOne(settledAgain, 5); // pending again beside its claimed batch
        String wrongId = ids.get(120);
        List<PendingBatch> acks = new ArrayList<>(batches);
        acks.set(120, new PendingBatch(wrongId, "not-" + batches.get(120).batchId(), List.of(), List.of()));
        acks.add(PendingFields.empty(ids.get(3))); // an empty batch acknowledges nothing

        List<Void> done = awaitAll(store.ackPending(acks));

        assertThat(done).hasSize(acks.size());
        List<String> dirty = await(store.dirtyCustomers(100_000));
        assertThat(dirty).as("still pending").contains(settledAgain, wrongId);
        List<String> flushed = new ArrayList<>(ids);
        flushed.removeAll(List.of(settledAgain, wrongId));
        assertThat(dirty).as("nothing left to flush").doesNotContainAnyElementsOf(flushed);
        assertThat(await(store.claimPending(wrongId)))
                .as("its batch was not dropped")
                .isEqualTo(batches.get(120));
        PendingBatch next = await(store.claimPending(settledAgain));
        assertThat(next.batchId()).isNotEqualTo(batches.get(7).batchId());
        assertThat(next.spendByPeriod()).containsExactly(new PendingBatch.PeriodSpend(PERIOD_END, 5));
        assertThat(await(store.pendingNanos(ids.get(0)))).isZero();
    }

    @Test
    void aCustomerFlushedByOneAckIsMarkedAgainByItsNextSettle() {
        settleOne(customer, 10);
        PendingBatch b = await(store.claimPending(customer));
        await(store.ackPending(customer, b.batchId()));
        assertThat(await(store.dirtyCustomers(100))).doesNotContain(customer);

        settleOne(customer, 7);

        assertThat(await(store.dirtyCustomers(100))).contains(customer);
        assertThat(await(store.claimPending(customer)).spendByPeriod())
                .containsExactly(new PendingBatch.PeriodSpend(PERIOD_END, 7));
    }
}
