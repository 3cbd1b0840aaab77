package dev.tollgate.server.proxy;

import dev.tollgate.core.config.ModelDeployment;
import dev.tollgate.core.config.TollgateConfig;
import dev.tollgate.core.error.ErrorKind;
import dev.tollgate.core.error.TollgateException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Picks a deployment for a model name: round-robin (default) or least-busy across the entries
 * that share the {@code model_name}. Unknown names are a 404 {@code model_not_found}. A customer
 * with an {@code allowed_model_region} is routed with {@link #inRegion}.
 */
public final class DeploymentSelector {
    private final Map<String, Group> groups = new LinkedHashMap<>();
    private final boolean leastBusy;

    public DeploymentSelector(TollgateConfig config) {
        this.leastBusy = "least-busy".equals(config.general().routingStrategy());
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

    public Set<String> modelNames() {
        return groups.keySet();
    }

    public ResolvedDeployment select(String modelName) {
        Group g = group(modelName);
        return pick(g, g.members);
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

    private ResolvedDeployment pick(Group g, List<ResolvedDeployment> m) {
        if (m.size() == 1) {
            return m.get(0);
        }
        if (leastBusy) {
            ResolvedDeployment best = m.get(0);
            for (ResolvedDeployment d : m) {
                if (d.inFlight().get() < best.inFlight().get()) {
                    best = d;
                }
            }
            return best;
        }
        return m.get((int) Math.floorMod(g.next.getAndIncrement(), m.size()));
    }

    private static final class Group {
        final List<ResolvedDeployment> members = new ArrayList<>();
        /** Members by region ("eu", "us"); a deployment without a known region is in none. */
        final Map<String, List<ResolvedDeployment>> byRegion = new LinkedHashMap<>();

        final AtomicLong next = new AtomicLong();
    }
}
