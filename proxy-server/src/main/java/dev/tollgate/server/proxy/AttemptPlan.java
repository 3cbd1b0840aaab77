package dev.tollgate.server.proxy;

import dev.tollgate.core.config.RouterSettings;
import dev.tollgate.core.routing.AttemptFailure;
import dev.tollgate.core.routing.Cooldowns;
import dev.tollgate.core.routing.RetryDelay;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The attempts of one call, as LiteLLM's router makes them: the requested model group, retried
 * {@code num_retries} times after a retryable failure (preferring a deployment not tried yet), then
 * each group of its fallback list in turn, each with the same retries. Decides the next attempt and
 * its delay; knows nothing of the wire. Used on the call's event loop only.
 */
final class AttemptPlan {
    /** The next attempt: where, in which model group, after how long. */
    record Next(ResolvedDeployment deployment, String group, long delayMs) {}

    private final DeploymentSelector selector;
    private final RouterSettings settings;
    private final Cooldowns cooldowns;
    private final Clock clock;
    private final String requestedGroup;
    private final List<ResolvedDeployment> triedInGroup = new ArrayList<>(2);
    private String group;
    private ResolvedDeployment current;
    private int retriesInGroup;
    private int retries;
    private int fallbacksTried;
    /** Fixed by the failure that ended the requested group, as LiteLLM picks the list once. */
    private List<String> fallbackList;
    /** Set by {@link #pin}: this call has no further attempts. */
    private boolean pinned;
    /** What the choice of {@link #current} avoided: {@link #candidates} avoids the same. */
    private java.util.function.Predicate<ResolvedDeployment> avoided;

    /**
     * Resolves an alias to its group and chooses the first deployment, skipping those cooling
     * down. An unknown group is a 404
     * {@code model_not_found}; a group whose every deployment cools down is LiteLLM's 429 "No
     * deployments available".
     */
    AttemptPlan(DeploymentSelector selector, RouterSettings settings, Cooldowns cooldowns, Clock clock, String group) {
        this.selector = selector;
        this.settings = settings;
        this.cooldowns = cooldowns;
        this.clock = clock;
        group = selector.resolve(group);
        this.requestedGroup = group;
        this.group = group;
        long now = clock.millis();
        this.avoided = d -> cooldowns.coolingDown(d.config().id(), now);
        this.current = selector.select(group, avoided);
        if (selector.members(group).size() > 1
                && cooldowns.coolingDown(current.config().id(), now)) {
            throw Refusals.noDeployments(group, selector.members(group), cooldowns, now);
        }
    }

    /**
     * Serves the call from {@code deployment} of {@code group} only (a customer bound to a region):
     * no retry or fallback may take it elsewhere, so a failure there is final.
     */
    void pin(String group, ResolvedDeployment deployment) {
        this.group = group;
        this.current = deployment;
        this.pinned = true;
    }

    ResolvedDeployment current() {
        return current;
    }

    /**
     * The deployments the current attempt may use instead of {@link #current} (usage-based routing
     * picks among them by usage and limits): those of the group the choice did not avoid; just the
     * current one for a pinned call.
     */
    List<ResolvedDeployment> candidates() {
        return pinned ? List.of(current) : selector.candidates(group, avoided);
    }

    /** The current attempt goes to {@code deployment}, one of {@link #candidates}. */
    void use(ResolvedDeployment deployment) {
        this.current = deployment;
    }

    /** The model group the client named (an alias resolved), whatever fallbacks did since. */
    String requestedGroup() {
        return requestedGroup;
    }

    /** The model group of the current attempt. */
    String group() {
        return group;
    }

    /** Retries made so far, across groups (fallbacks not counted). */
    int retries() {
        return retries;
    }

    /** Fallback groups tried so far. */
    int fallbacks() {
        return fallbacksTried;
    }

    /** Every deployment this call may reach: the requested group's and those of all its fallback lists. */
    List<ResolvedDeployment> reachable() {
        List<ResolvedDeployment> out = new ArrayList<>(selector.members(requestedGroup));
        for (var map :
                List.of(settings.fallbacks(), settings.contextWindowFallbacks(), settings.contentPolicyFallbacks())) {
            for (String g : map.getOrDefault(requestedGroup, List.of())) {
                out.addAll(selector.members(g));
            }
        }
        if (!settings.fallbacks().containsKey(requestedGroup)) {
            for (String g : settings.defaultFallbacks()) {
                out.addAll(selector.members(g));
            }
        }
        return out;
    }

    /**
     * After the current attempt failed with {@code failure}: the next attempt, or null when the call
     * ends with this failure.
     *
     * @param retryAfterMs the wait the upstream asked for, negative when none
     */
    Next next(AttemptFailure failure, long retryAfterMs) {
        long now = clock.millis();
        triedInGroup.add(current);
        if (pinned) {
            if (failure.blamesDeployment() && selector.members(group).size() > 1) {
                cooldowns.failed(current.config().id(), now);
            }
            return null;
        }
        // A group of one is never cooled down, as in LiteLLM: skipping its only deployment would
        // refuse every call instead of trying.
        if (failure.blamesDeployment() && selector.members(group).size() > 1) {
            cooldowns.failed(current.config().id(), now);
        }
        if (failure.retryable() && retriesInGroup < settings.numRetries()) {
            avoided = x ->
                    triedInGroup.contains(x) || cooldowns.coolingDown(x.config().id(), now);
            ResolvedDeployment d = selector.select(group, avoided);
            long delay = triedInGroup.contains(d)
                    ? Math.max(
                            settings.retryAfter().toMillis(),
                            RetryDelay.millis(
                                    retriesInGroup,
                                    retryAfterMs,
                                    ThreadLocalRandom.current().nextDouble()))
                    : 0; // another deployment: its own rate limit and health, no reason to wait
            retriesInGroup++;
            retries++;
            current = d;
            return new Next(d, group, delay);
        }
        if (fallbackList == null) {
            fallbackList = fallbacksFor(failure);
        }
        while (fallbacksTried < Math.min(fallbackList.size(), settings.maxFallbacks())) {
            String g = fallbackList.get(fallbacksTried++);
            if (!selector.has(g)) {
                continue; // warned about at startup
            }
            group = g;
            retriesInGroup = 0;
            triedInGroup.clear();
            avoided = x -> cooldowns.coolingDown(x.config().id(), now);
            current = selector.select(g, avoided);
            return new Next(current, g, 0);
        }
        return null;
    }

    /**
     * LiteLLM's choice: a context-window error takes {@code context_window_fallbacks} and a
     * content-policy error {@code content_policy_fallbacks} when those are configured (a group not
     * listed there then has none); otherwise the generic {@code fallbacks} (or {@code default_fallbacks}). A plain client error
     * (a bad parameter) has none: another model would refuse it too.
     */
    private List<String> fallbacksFor(AttemptFailure failure) {
        if (failure == AttemptFailure.CONTEXT_WINDOW
                && !settings.contextWindowFallbacks().isEmpty()) {
            return settings.contextWindowFallbacks().getOrDefault(requestedGroup, List.of());
        }
        if (failure == AttemptFailure.CONTENT_POLICY
                && !settings.contentPolicyFallbacks().isEmpty()) {
            return settings.contentPolicyFallbacks().getOrDefault(requestedGroup, List.of());
        }
        if (failure == AttemptFailure.OTHER) {
            return List.of();
        }
        List<String> own = settings.fallbacks().get(requestedGroup);
        if (own != null) {
            return own;
        }
        // default_fallbacks, never to the group itself
        return settings.defaultFallbacks().stream()
                .filter(g -> !g.equals(requestedGroup))
                .toList();
    }
}
