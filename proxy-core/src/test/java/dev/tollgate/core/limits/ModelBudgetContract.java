package dev.tollgate.core.limits;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.core.limits.AdmitDecision.Outcome;
import org.junit.jupiter.api.Test;

/**
 * The {@code model_max_budget} part of the {@link LimitStore} contract (run by every
 * {@link LimitStoreContractTest}): a model entry's account and window are checked in the same
 * atomic admission as the customer's, counted only when everything passes, settled, queued for
 * persistence and seeded like the customer's account.
 */
public abstract class ModelBudgetContract extends PendingPageContract {
    protected static final String GPT = "gpt-4o";
    protected static final String OTHER = "claude-3";
    protected static final long MODEL_PERIOD_END = T0 + 86_400_000L;

    protected static ModelLimits model(String key, long maxBudget, long rpm, long tpm) {
        return new ModelLimits(key, maxBudget, rpm, tpm, MODEL_PERIOD_END);
    }

    protected AdmitDecision admitModel(ModelLimits model, CustomerLimits limits, long now, long reserve, long tokens) {
        return await(store.admit(new AdmitRequest(customer, limits, now, reserve, tokens).withModel(model)));
    }

    protected SettleRequest.Builder modelSettle(AdmitDecision d, ModelLimits model, long reserve, long cost) {
        return SettleRequest.builder()
                .customerId(customer)
                .reserveNanos(reserve)
                .reserveTokens(10)
                .windowStartMs(d.windowStartMs())
                .costNanos(cost)
                .rateTokens(4)
                .day(DAY)
                .model(model.model())
                .promptTokens(2)
                .completionTokens(2)
                .success(true)
                .modelBudget(model.model(), model.periodEndMs());
    }

    protected AccountSnapshot modelSnapshot(String key) {
        return await(store.modelSnapshot(customer, key));
    }

    private Reconciliation reconcileModel(String key, long ledger, long periodEnd, FlushState seen, boolean applied) {
        return await(store.reconcile(new ReconcileRequest(customer, ledger, periodEnd, seen, applied, T0, true, key)));
    }

    @Test
    void modelBudgetRefusesOnceSpentPlusReservedReachItWhileAnotherModelStillAdmits() {
        seed(0, PERIOD_END);
        ModelLimits gpt = model(GPT, 300, -1, -1);
        ModelLimits other = model(OTHER, 10_000, -1, -1);
        AdmitDecision first = admitModel(gpt, limits(10_000, -1, -1), T0, 200, 10);
        assertThat(first.outcome()).as("no model account yet").isEqualTo(Outcome.MODEL_NEEDS_SEED);
        assertThat(snapshot().reservedNanos()).as("a refusal counts nothing").isZero();
        reconcileModel(GPT, 0, MODEL_PERIOD_END, await(store.flushState(customer)), false);

        AdmitDecision a = admitModel(gpt, limits(10_000, -1, -1), T0, 200, 10);
        assertThat(a.outcome()).isEqualTo(Outcome.ADMITTED);
        assertThat(modelSnapshot(GPT)).isEqualTo(new AccountSnapshot(true, 0, 200, MODEL_PERIOD_END));
        AdmitDecision b = admitModel(gpt, limits(10_000, -1, -1), T0, 200, 10);
        assertThat(b.outcome()).isEqualTo(Outcome.ADMITTED);
        assertThat(b.modelReservedNanos()).isEqualTo(200);

        AdmitDecision refused = admitModel(gpt, limits(10_000, -1, -1), T0, 200, 10);
        assertThat(refused.outcome()).isEqualTo(Outcome.MODEL_BUDGET_EXCEEDED);
        assertThat(refused.modelSpentNanos()).isZero();
        assertThat(refused.modelReservedNanos()).isEqualTo(400);
        assertThat(snapshot().reservedNanos())
                .as("the customer is not charged for a refusal")
                .isEqualTo(400);
        assertThat(modelSnapshot(GPT).reservedNanos()).isEqualTo(400);

        AdmitDecision elsewhere = await(store.admit(
                new AdmitRequest(customer, limits(10_000, -1, -1), T0, 200, 10, TTL, true).withModel(other)));
        assertThat(elsewhere.outcome()).as("another model keeps working").isEqualTo(Outcome.ADMITTED);
        assertThat(admit(limits(10_000, -1, -1), T0, 200, 10).outcome())
                .as("and so do calls without a model entry")
                .isEqualTo(Outcome.ADMITTED);
    }

    @Test
    void settleMovesTheModelReservationToSpendAndQueuesTheModelField() {
        seed(0, PERIOD_END);
        ModelLimits gpt = model(GPT, 1_000, -1, -1);
        AdmitDecision a = await(
                store.admit(new AdmitRequest(customer, limits(10_000, -1, -1), T0, 300, 10, TTL, true).withModel(gpt)));
        assertThat(a.outcome())
                .as("createIfAbsent creates the model account too")
                .isEqualTo(Outcome.ADMITTED);

        SettleResult r = await(store.settle(modelSettle(a, gpt, 300, 120).build()));

        assertThat(r.spentNanos()).isEqualTo(120);
        assertThat(modelSnapshot(GPT)).isEqualTo(new AccountSnapshot(true, 120, 0, MODEL_PERIOD_END));
        assertThat(snapshot()).isEqualTo(new AccountSnapshot(true, 120, 0, PERIOD_END));
        assertThat(await(store.pendingModelNanos(customer, GPT, MODEL_PERIOD_END)))
                .isEqualTo(120);
        PendingBatch batch = await(store.claimPending(customer));
        assertThat(await(store.pendingModelNanos(customer, GPT, MODEL_PERIOD_END)))
                .as("claimed and not acknowledged is still pending")
                .isEqualTo(120);
        assertThat(batch.spendByPeriod()).containsExactly(new PendingBatch.PeriodSpend(PERIOD_END, 120));
        assertThat(batch.modelSpend()).containsExactly(new PendingBatch.ModelSpend(MODEL_PERIOD_END, GPT, 120));
        assertThat(batch.daily()).hasSize(1);
        await(store.ackPending(customer, batch.batchId()));
        assertThat(await(store.claimPending(customer)).isEmpty()).isTrue();
        assertThat(await(store.pendingModelNanos(customer, GPT, MODEL_PERIOD_END)))
                .isZero();

        AdmitDecision b = admitModel(gpt, limits(10_000, -1, -1), T0 + 1, 300, 10);
        assertThat(b.modelSpentNanos()).isEqualTo(120);
    }

    @Test
    void modelRpmAndTpmRefuseWithoutCountingAnything() {
        seed(0, PERIOD_END);
        ModelLimits rpm = model(GPT, -1, 2, -1);
        AdmitRequest call = new AdmitRequest(customer, limits(-1, 100, -1), T0, 0, 10, TTL, true).withModel(rpm);
        assertThat(await(store.admit(call)).outcome()).isEqualTo(Outcome.ADMITTED);
        assertThat(await(store.admit(call)).outcome()).isEqualTo(Outcome.ADMITTED);
        AdmitDecision refused = await(store.admit(call));
        assertThat(refused.outcome()).isEqualTo(Outcome.MODEL_RPM_EXCEEDED);
        // The customer's window counted two calls, not three: the refusal took nothing.
        assertThat(admit(limits(-1, 100, -1), T0, 0, 0).remainingRequests()).isEqualTo(97);
        // The next minute is a new model window.
        assertThat(await(store.admit(new AdmitRequest(customer, limits(-1, 100, -1), T0 + 60_000, 0, 10, TTL, true)
                                .withModel(rpm)))
                        .outcome())
                .isEqualTo(Outcome.ADMITTED);

        ModelLimits tpm = model(OTHER, -1, -1, 25);
        AdmitRequest tokens = new AdmitRequest(customer, limits(-1, -1, -1), T0, 0, 20, TTL, true).withModel(tpm);
        AdmitDecision t1 = await(store.admit(tokens));
        assertThat(t1.outcome()).isEqualTo(Outcome.ADMITTED);
        assertThat(await(store.admit(tokens)).outcome()).isEqualTo(Outcome.ADMITTED);
        assertThat(await(store.admit(tokens)).outcome()).isEqualTo(Outcome.MODEL_TPM_EXCEEDED);
        // A settle corrects the model's window by the real tokens: 2 × 20 reserved → 4 + 20.
        await(store.settle(modelSettle(t1, tpm, 0, 0).reserveTokens(20).build()));
        assertThat(await(store.admit(tokens)).outcome()).isEqualTo(Outcome.ADMITTED);
    }

    @Test
    void aCustomerRefusalNeverCountsTheModelAndAModelRefusalNeverCountsTheCustomer() {
        seed(0, PERIOD_END);
        ModelLimits gpt = model(GPT, -1, 1, -1);
        AdmitRequest call = new AdmitRequest(customer, limits(-1, 1, -1), T0, 50, 10, TTL, true).withModel(gpt);
        assertThat(await(store.admit(call)).outcome()).isEqualTo(Outcome.ADMITTED);
        assertThat(await(store.admit(call)).outcome()).isEqualTo(Outcome.RPM_EXCEEDED);
        assertThat(modelSnapshot(GPT).reservedNanos()).isEqualTo(50);

        String second = customer + "-b";
        await(store.seed(second, 0, PERIOD_END));
        AdmitRequest other =
                new AdmitRequest(second, limits(-1, 10, -1), T0, 50, 10, TTL, true).withModel(model(GPT, 0, -1, -1));
        assertThat(await(store.admit(other)).outcome()).isEqualTo(Outcome.MODEL_BUDGET_EXCEEDED);
        assertThat(await(store.snapshot(second)).reservedNanos()).isZero();
        AdmitDecision plain = await(store.admit(new AdmitRequest(second, limits(-1, 10, -1), T0, 0, 0)));
        assertThat(plain.remainingRequests())
                .as("the refused call was not counted")
                .isEqualTo(9);
    }

    @Test
    void theModelPeriodResetsOnItsOwnCalendar() {
        seed(0, PERIOD_END);
        long shortEnd = T0 + 120_000;
        ModelLimits gpt = new ModelLimits(GPT, 100, -1, -1, shortEnd);
        CustomerLimits customerLimits = limits(10_000, -1, -1);
        AdmitDecision a =
                await(store.admit(new AdmitRequest(customer, customerLimits, T0, 100, 0, TTL, true).withModel(gpt)));
        await(store.settle(modelSettle(a, gpt, 100, 100).build()));
        assertThat(admitModel(gpt, customerLimits, T0 + 1, 10, 0).outcome()).isEqualTo(Outcome.MODEL_BUDGET_EXCEEDED);

        ModelLimits next = new ModelLimits(GPT, 100, -1, -1, shortEnd + 86_400_000L);
        AdmitDecision after = admitModel(next, customerLimits, shortEnd, 10, 0);

        assertThat(after.outcome()).isEqualTo(Outcome.ADMITTED);
        assertThat(after.modelSpentNanos()).isZero();
        assertThat(modelSnapshot(GPT).periodEndMs()).isEqualTo(shortEnd + 86_400_000L);
        assertThat(snapshot().spentNanos()).as("the customer's period goes on").isEqualTo(100);
    }

    @Test
    void reconcileSeedsAModelAccountFromLedgerPlusPendingAndNeverActsOnAMovedFlush() {
        seed(0, PERIOD_END);
        ModelLimits gpt = model(GPT, 10_000, -1, -1);
        // Spend queued for the model while its account is missing (the store lost it after admission).
        AdmitDecision d = admit(limits(-1, -1, -1), T0, 0, 0);
        await(store.settle(modelSettle(d, gpt, 0, 70).build()));
        assertThat(modelSnapshot(GPT).present())
                .as("settle never creates an account")
                .isFalse();

        FlushState before = await(store.flushState(customer));
        PendingBatch claimed = await(store.claimPending(customer));
        assertThat(claimed.modelSpend()).containsExactly(new PendingBatch.ModelSpend(MODEL_PERIOD_END, GPT, 70));
        assertThat(reconcileModel(GPT, 1_000, MODEL_PERIOD_END, before, false).outcome())
                .isEqualTo(Reconciliation.Outcome.FLUSH_MOVED);
        assertThat(modelSnapshot(GPT).present()).isFalse();

        await(store.settle(modelSettle(d, gpt, 0, 30).build()));
        Reconciliation created = reconcileModel(GPT, 1_000, MODEL_PERIOD_END, await(store.flushState(customer)), false);
        assertThat(created.outcome()).isEqualTo(Reconciliation.Outcome.CREATED);
        assertThat(modelSnapshot(GPT)).isEqualTo(new AccountSnapshot(true, 1_100, 0, MODEL_PERIOD_END));

        // The claimed batch committed: the ledger holds it now; present accounts are set, not created.
        Reconciliation again = reconcileModel(GPT, 1_070, MODEL_PERIOD_END, await(store.flushState(customer)), true);
        assertThat(again.outcome()).isEqualTo(Reconciliation.Outcome.IN_STEP);
        assertThat(modelSnapshot(GPT).spentNanos()).isEqualTo(1_100);
        assertThat(snapshot().spentNanos())
                .as("the customer's account is another one")
                .isEqualTo(100);
    }

    @Test
    void aReplayedSettleIdCountsModelSpendOnceAndAPersistedReplayTakesTheQueuedSpendBack() {
        seed(0, PERIOD_END);
        ModelLimits gpt = model(GPT, 10_000, -1, -1);
        AdmitDecision a = await(
                store.admit(new AdmitRequest(customer, limits(-1, -1, -1), T0, 100, 10, TTL, true).withModel(gpt)));
        SettleRequest s = modelSettle(a, gpt, 100, 60).settleId("sid-m").build();

        assertThat(await(store.settle(s)).applied()).isTrue();
        assertThat(await(store.settle(s)).applied()).isFalse();
        assertThat(modelSnapshot(GPT).spentNanos()).isEqualTo(60);

        // The caller also wrote it to the database (outcome unknown): the queued spend goes back out.
        await(store.settle(s.asPersisted()));
        PendingBatch batch = await(store.claimPending(customer));
        assertThat(batch.modelSpend()).isEmpty();
        assertThat(batch.spendByPeriod()).containsExactly(new PendingBatch.PeriodSpend(PERIOD_END, 0));
        assertThat(modelSnapshot(GPT).spentNanos()).isEqualTo(60);
    }

    @Test
    void modelKeysMayHoldAnyCharacter() {
        seed(0, PERIOD_END);
        ModelLimits odd = model("openai/gpt-4o}|%7D x", 100, -1, -1);
        AdmitDecision a =
                await(store.admit(new AdmitRequest(customer, limits(-1, -1, -1), T0, 10, 0, TTL, true).withModel(odd)));
        await(store.settle(modelSettle(a, odd, 10, 100).build()));
        assertThat(admitModel(odd, limits(-1, -1, -1), T0, 10, 0).outcome()).isEqualTo(Outcome.MODEL_BUDGET_EXCEEDED);
        assertThat(modelSnapshot("openai/gpt-4o}|%7D x").spentNanos()).isEqualTo(100);
        assertThat(modelSnapshot("openai/gpt-4o}|}7D x").present()).isFalse();
        assertThat(await(store.claimPending(customer)).modelSpend())
                .containsExactly(new PendingBatch.ModelSpend(MODEL_PERIOD_END, "openai/gpt-4o}|%7D x", 100));
    }

    @Test
    void aCallWithAModelEntryNeverTakesALease() {
        seed(0, PERIOD_END);
        LeasedAdmission la = await(store.admitAndLease(
                new AdmitRequest(customer, limits(1_000_000, 1_000, 1_000_000), T0, 10, 10, TTL, true)
                        .withModel(model(GPT, 1_000_000, -1, -1)),
                new Lease(10_000, 100, 10_000)));
        assertThat(la.decision().outcome()).isEqualTo(Outcome.ADMITTED);
        assertThat(la.granted()).isEqualTo(Lease.NONE);
        assertThat(snapshot().reservedNanos()).isEqualTo(10);
    }
}
