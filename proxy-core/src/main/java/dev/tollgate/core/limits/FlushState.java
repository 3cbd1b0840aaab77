package dev.tollgate.core.limits;

/**
 * Where a customer's flush stands, as a reconciliation reads it before reading the ledger: a
 * token that changes whenever a flush claims pending spend or acknowledges a committed batch, and
 * the id of the batch claimed now. See {@link LimitStore#reconcile}.
 *
 * @param token          changes at every claim and acknowledgement; "" when none is known
 * @param claimedBatchId the batch claimed and not yet acknowledged; null when none
 */
public record FlushState(String token, String claimedBatchId) {
    public static final FlushState NONE = new FlushState("", null);

    public FlushState {
        token = token == null ? "" : token;
        claimedBatchId = claimedBatchId == null || claimedBatchId.isEmpty() ? null : claimedBatchId;
    }
}
