package dev.tollgate.server.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.admin.reconcile.ReconcilePass;
import dev.tollgate.admin.reconcile.ReconcileReport;
import dev.tollgate.admin.reconcile.SpendReconciler;
import dev.tollgate.core.error.ErrorKind;
import dev.tollgate.core.error.TollgateException;
import dev.tollgate.core.json.Json;
import dev.tollgate.core.limits.Reconciliation.Outcome;
import dev.tollgate.core.money.Money;
import dev.tollgate.server.auth.MasterKeyAuth;
import dev.tollgate.server.http.Exchange;
import dev.tollgate.server.http.Route;
import io.netty.buffer.ByteBufInputStream;
import io.netty.handler.codec.http.FullHttpRequest;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletionStage;

/**
 * {@code POST /tollgate/reconcile} (master key): compares the limit store's spend with the ledger
 * plus pending spend and repairs a drift. With {@code {"user_id": "..."}} for that customer, without
 * a body for every customer this instance served since its last periodic pass. Answers a JSON report
 * (money in USD); a customer that was in step is counted, not listed, in the all-customers report.
 */
public final class ReconcileRoute implements Route {
    private final MasterKeyAuth auth;
    private final SpendReconciler reconciler;

    public ReconcileRoute(MasterKeyAuth auth, SpendReconciler reconciler) {
        this.auth = auth;
        this.reconciler = reconciler;
    }

    @Override
    public void handle(FullHttpRequest http, Exchange exchange) {
        auth.check(http.headers());
        String customer = customer(http);
        CompletionStage<ReconcilePass> work = customer == null
                ? reconciler.reconcileActive()
                : reconciler.reconcile(customer).thenApply(r -> new ReconcilePass(List.of(r), 0));
        var loop = exchange.channel().eventLoop();
        work.whenComplete((pass, err) -> loop.execute(() -> {
            if (err != null) {
                exchange.error(new TollgateException(
                        ErrorKind.SERVICE_UNAVAILABLE,
                        "Could not reconcile (limit store or database unreachable): " + rootMessage(err)));
            } else {
                exchange.json(200, Json.bytes(render(pass, customer != null)), null);
            }
        }));
    }

    /** The optional {@code user_id} of the body; null when there is no body or no such field. */
    private static String customer(FullHttpRequest http) {
        if (!http.content().isReadable()) {
            return null;
        }
        JsonNode body;
        try (ByteBufInputStream in = new ByteBufInputStream(http.content().duplicate())) {
            body = Json.MAPPER.readTree((InputStream) in);
        } catch (IOException e) {
            throw new TollgateException(ErrorKind.INVALID_REQUEST, "Request body is not valid JSON.");
        }
        if (body == null || body.isNull() || body.isEmpty() && body.isObject()) {
            return null;
        }
        JsonNode id = body.isObject() ? body.get("user_id") : null;
        if (!body.isObject() || id == null || !id.isTextual() || id.textValue().isBlank()) {
            throw new TollgateException(
                    ErrorKind.INVALID_REQUEST, "Expected no body, or {\"user_id\": \"<customer id>\"}.", "user_id");
        }
        return id.textValue();
    }

    private static ObjectNode render(ReconcilePass pass, boolean single) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("customers_checked", pass.checked());
        o.put("customers_repaired", pass.repaired());
        o.put("customers_failed", pass.failed());
        o.put("drift", Money.nanosToUsd(pass.absoluteDriftNanos()));
        ArrayNode results = o.putArray("results");
        for (ReconcileReport r : pass.reports()) {
            if (!single && r.outcome() == Outcome.IN_STEP) {
                continue;
            }
            ObjectNode n = results.addObject();
            n.put("user_id", r.customerId());
            n.put("outcome", r.outcome().name().toLowerCase(Locale.ROOT));
            if (r.compared()) {
                n.put("ledger_spend", Money.nanosToUsd(r.ledgerNanos()));
                n.put("pending_spend", Money.nanosToUsd(r.pendingNanos()));
                n.put("enforced_spend_before", Money.nanosToUsd(r.enforcedBefore()));
                n.put("enforced_spend", Money.nanosToUsd(r.enforcedAfter()));
                n.put("drift", Money.nanosToUsd(r.driftNanos()));
            }
        }
        return o;
    }

    private static String rootMessage(Throwable err) {
        Throwable t = err;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }
}
