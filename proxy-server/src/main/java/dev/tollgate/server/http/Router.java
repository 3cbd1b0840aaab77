package dev.tollgate.server.http;

import dev.tollgate.core.error.ErrorKind;
import dev.tollgate.core.error.TollgateException;
import io.netty.handler.codec.http.HttpMethod;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/** Exact-path routing plus prefix-owned trees (the admin API, the admin page). */
public final class Router {
    private final Map<String, Map<HttpMethod, Route>> exact = new HashMap<>();
    private final List<Map.Entry<Predicate<String>, Route>> owners = new ArrayList<>();

    public Router add(HttpMethod method, String path, Route route) {
        exact.computeIfAbsent(path, p -> new HashMap<>()).put(method, route);
        return this;
    }

    /** Hands every path matching {@code owns} to {@code route}, whatever the method. */
    public Router addOwner(Predicate<String> owns, Route route) {
        owners.add(Map.entry(owns, route));
        return this;
    }

    public Route find(HttpMethod method, String path) {
        Map<HttpMethod, Route> byMethod = exact.get(path);
        if (byMethod != null) {
            Route r = byMethod.get(method);
            if (r != null) {
                return r;
            }
            if (method.equals(HttpMethod.HEAD) && byMethod.containsKey(HttpMethod.GET)) {
                return byMethod.get(HttpMethod.GET);
            }
            throw new TollgateException(
                    ErrorKind.METHOD_NOT_ALLOWED,
                    "Method " + method + " is not allowed on " + path + ". Allowed: " + byMethod.keySet());
        }
        for (Map.Entry<Predicate<String>, Route> o : owners) {
            if (o.getKey().test(path)) {
                return o.getValue();
            }
        }
        throw new TollgateException(ErrorKind.ROUTE_NOT_FOUND, "Route not found: " + path);
    }
}
