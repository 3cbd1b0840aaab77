package dev.tollgate.server.proxy;

import dev.tollgate.core.config.ModelDeployment;
import dev.tollgate.core.config.RoutingWeight;
import dev.tollgate.core.config.TollgateConfig;
import dev.tollgate.core.error.ErrorKind;
import dev.tollgate.core.error.TollgateException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.function.ToDoubleFunction;

/**
 * Picks a deployment for a model name among the entries that share the {@code model_name}:
 * {@code simple-shuffle} (default, LiteLLM's: random, weighted by {@code weight}, else {@code rpm},
 * else {@code tpm}, else uniform), {@code round-robin}, {@code least-busy} or
 * {@code usage-based-routing-v2} (the call takes the least used deployment still under its rpm/tpm:
 * {@link ProxyCall} orders the {@link #candidates} by usage and acquires; the pick here is only the
 * first guess, as simple-shuffle). Unknown names are a
 * 404 {@code model_not_found}. A customer with an {@code allowed_model_region} is routed with
 * {@link #inRegion}.
 */
public final class DeploymentSelector {
    private enum Strategy {
        SHUFFLE,
        ROUND_ROBIN,
        LEAST_BUSY,
        USAGE_BASED
    }

    private final Map<String, Group> groups = new LinkedHashMap<>();
    /** {@code router_settings.model_group_alias}: requested name to model group. */
    private final Map<String, String> aliases;
    /** The names {@code /v1/models} lists: the groups, then the aliases not marked hidden. */
    private final Set<String> listed = new LinkedHashSet<>();

    private final Strategy strategy;

    public DeploymentSelector(TollgateConfig config) {
        this.strategy = switch (config.general().routingStrategy()) {
            case "least-busy" -> Strategy.LEAST_BUSY;
            case "round-robin" -> Strategy.ROUND_ROBIN;
            case "usage-based-routing-v2" -> Strategy.USAGE_BASED;
            default -> Strategy.SHUFFLE;
        };
        this.aliases = config.router().modelGroupAlias();
        List<ModelDeployment> models = config.models();
        for (int i = 0; i < models.size(); i++) {
            ModelDeployment d = models.get(i);
            ResolvedDeployment r = ResolvedDeployment.of(d, i);
            Group g = groups.computeIfAbsent(d.modelName(), k -> new Group());
            g.members.add(r);
            String region = regionOf(d.regionName());
            if (region != null) {
                g.byRegion.computeIfAbsent(region, k -> new ArrayList<>()).add(r);
            }
        }
        for (Group g : groups.values()) {
            g.weigh();
        }
        listed.addAll(groups.keySet());
        for (String alias : aliases.keySet()) {
            if (!config.router().hiddenAliases().contains(alias)) {
                listed.add(alias);
            }
        }
    }

    /** The routing decision for a region-bound customer: the model group actually used and its deployment. */
    public record Routed(String modelGroup, ResolvedDeployment deployment) {}

    /**
     * The region a {@code region_name} belongs to: {@code "eu"} for {@code eu} and {@code eu-*}
     * (e.g. {@code eu-west-1}), likewise {@code "us"}; null for any other or no region.
     */
    static String regionOf(String regionName) {
        if (regionName == null) {
            return null;
        }
        String r = regionName.trim().toLowerCase(java.util.Locale.ROOT);
        for (String allowed : new String[] {"eu", "us"}) {
            if (r.equals(allowed) || r.startsWith(allowed + "-")) {
                return allowed;
            }
        }
        return null;
    }

    /**
     * Routing for a customer whose {@code allowed_model_region} is {@code region}: only the model's
     * deployments in that region. Without one there, the customer's {@code defaultModel} (its
     * deployments in the region when it has some, else all of them: the operator chose that model
     * for this customer); without a default model, a 400 naming the region and the model.
     */
    public Routed inRegion(String modelName, String region, String defaultModel) {
        Group g = group(modelName);
        List<ResolvedDeployment> local = g.byRegion.get(region);
        if (local != null) {
            return new Routed(modelName, pick(g, local));
        }
        if (defaultModel != null) {
            Group d = groups.get(defaultModel);
            if (d == null) {
                throw new TollgateException(
                        ErrorKind.INVALID_REQUEST,
                        "No deployment of model '" + modelName + "' is in region '" + region
                                + "' (the customer's allowed_model_region), and its default_model '" + defaultModel
                                + "' is not on this proxy.",
                        "model");
            }
            List<ResolvedDeployment> fallback = d.byRegion.get(region);
            return new Routed(defaultModel, pick(d, fallback != null ? fallback : d.members));
        }
        throw new TollgateException(
                ErrorKind.INVALID_REQUEST,
                "No deployment of model '" + modelName + "' is in region '" + region
                        + "' (the customer's allowed_model_region), and the customer has no default_model."
                        + " Regions of this model: " + g.byRegion.keySet(),
                "model");
    }

    /** The model names clients may send and {@code /v1/models} lists (hidden aliases are not listed). */
    public Set<String> modelNames() {
        return listed;
    }

    /**
     * The model group a requested name means: an alias resolves to its group (aliases win over a
     * group of the same name, as in LiteLLM); any other name is taken as a group.
     */
    public String resolve(String requested) {
        String group = aliases.get(requested);
        return group != null ? group : requested;
    }

    public ResolvedDeployment select(String modelName) {
        return select(modelName, d -> false);
    }

    /** Whether {@code modelName} is a model group of this proxy. */
    public boolean has(String modelName) {
        return groups.containsKey(modelName);
    }

    /** The deployments of a group, in config order (empty for an unknown group). */
    public List<ResolvedDeployment> members(String modelName) {
        Group g = groups.get(modelName);
        return g == null ? List.of() : g.members;
    }

    /**
     * A deployment of the group, choosing among those {@code avoid} does not reject when there is
     * any (a retry prefers a deployment it has not tried; cooled-down deployments are avoided).
     */
    public ResolvedDeployment select(String modelName, Predicate<ResolvedDeployment> avoid) {
        Group g = group(modelName);
        if (g.members.size() == 1) {
            return g.members.get(0);
        }
        return pick(g, candidates(g, avoid));
    }

    /** Whether deployment rpm/tpm are enforced ({@code usage-based-routing-v2}). */
    public boolean usageBased() {
        return strategy == Strategy.USAGE_BASED;
    }

    /**
     * The deployments {@link #select} chooses among: those of the group {@code avoid} does not
     * reject, or all of them when it rejects every one. In config order.
     */
    public List<ResolvedDeployment> candidates(String modelName, Predicate<ResolvedDeployment> avoid) {
        return candidates(group(modelName), avoid);
    }

    private static List<ResolvedDeployment> candidates(Group g, Predicate<ResolvedDeployment> avoid) {
        List<ResolvedDeployment> all = g.members;
        List<ResolvedDeployment> m = all;
        for (ResolvedDeployment d : all) {
            if (avoid.test(d)) {
                m = new ArrayList<>(all.size());
                for (ResolvedDeployment e : all) {
                    if (!avoid.test(e)) {
                        m.add(e);
                    }
                }
                if (m.isEmpty()) {
                    m = all;
                }
                break;
            }
        }
        return m;
    }

    private Group group(String modelName) {
        Group g = groups.get(modelName);
        if (g == null) {
            throw new TollgateException(
                    ErrorKind.MODEL_NOT_FOUND,
                    "The model '" + modelName + "' does not exist on this proxy. Available models: " + groups.keySet(),
                    "model");
        }
        return g;
    }

    /** One of {@code m} (candidates of group {@code g}) by the routing strategy. */
    private ResolvedDeployment pick(Group g, List<ResolvedDeployment> m) {
        if (m.size() == 1) {
            return m.get(0);
        }
        switch (strategy) {
            case LEAST_BUSY:
                ResolvedDeployment best = m.get(0);
                for (ResolvedDeployment d : m) {
                    if (d.inFlight().get() < best.inFlight().get()) {
                        best = d;
                    }
                }
                return best;
            case ROUND_ROBIN:
                return m.get((int) Math.floorMod(g.next.getAndIncrement(), m.size()));
            default:
                return g.shuffle(m);
        }
    }

    private static final class Group {
        final List<ResolvedDeployment> members = new ArrayList<>();
        /** Members by region ("eu", "us"); a deployment without a known region is in none. */
        final Map<String, List<ResolvedDeployment>> byRegion = new LinkedHashMap<>();

        final AtomicLong next = new AtomicLong();
        /** What simple-shuffle weighs a member by; null for a uniform choice. */
        ToDoubleFunction<ResolvedDeployment> weight;

        /** LiteLLM's order: {@code weight} if any member sets it, else {@code rpm}, else {@code tpm}. */
        void weigh() {
            if (members.stream().anyMatch(d -> routing(d).weight() > 0)) {
                weight = d -> Math.max(0, routing(d).weight());
            } else if (members.stream().anyMatch(d -> routing(d).rpm() > 0)) {
                weight = d -> Math.max(0, routing(d).rpm());
            } else if (members.stream().anyMatch(d -> routing(d).tpm() > 0)) {
                weight = d -> Math.max(0, routing(d).tpm());
            }
        }

        private static RoutingWeight routing(ResolvedDeployment d) {
            return d.config().routing();
        }

        ResolvedDeployment shuffle(List<ResolvedDeployment> candidates) {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            if (weight != null) {
                double total = 0;
                for (ResolvedDeployment d : candidates) {
                    total += weight.applyAsDouble(d);
                }
                if (total > 0) {
                    double r = random.nextDouble(total);
                    for (ResolvedDeployment d : candidates) {
                        r -= weight.applyAsDouble(d);
                        if (r < 0) {
                            return d;
                        }
                    }
                    return candidates.get(candidates.size() - 1);
                }
            }
            return candidates.get(random.nextInt(candidates.size()));
        }
    }
}
