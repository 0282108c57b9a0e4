package io.tandem.server.admin;

import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.TreeSet;

/**
 * Method and path pattern to endpoint. Patterns are literal segments and
 * {@code {name}} segments that match any one segment, e.g.
 * {@code /api/v1/pools/{pool}/backends/{backend}/drain}. A path that matches
 * a pattern under another method is told which methods it has (405), one
 * that matches none is unknown (404). GET routes answer HEAD too.
 *
 * <p>Built once at start, then only read: safe from any thread.
 */
final class AdminRouter {

    /** Handles one call on the admin event loop; exceptions become a 500 with a short message. */
    @FunctionalInterface
    interface Endpoint {
        AdminResponse handle(AdminRequest request) throws Exception;
    }

    /** Handles one call elsewhere (work that must not block the event loop, like a reload). */
    @FunctionalInterface
    interface DeferredEndpoint {
        CompletionStage<AdminResponse> handle(AdminRequest request);
    }

    /** A route: mutating routes need the admin token when one is configured. */
    record Route(HttpMethod method, String pattern, boolean mutating, DeferredEndpoint endpoint) {}

    /**
     * The outcome of matching: a route with its parameters, or none with the
     * methods the path does have (empty when the path is unknown).
     */
    record Match(Route route, Map<String, String> params, Set<String> allowed) {}

    private final List<Route> routes = new ArrayList<>();

    /** A read-only route. */
    AdminRouter get(String pattern, Endpoint endpoint) {
        routes.add(new Route(HttpMethod.GET, pattern, false, now(endpoint)));
        return this;
    }

    /** A mutating route (token-protected). */
    AdminRouter post(String pattern, Endpoint endpoint) {
        routes.add(new Route(HttpMethod.POST, pattern, true, now(endpoint)));
        return this;
    }

    /** A mutating route (token-protected) for PUT. */
    AdminRouter put(String pattern, Endpoint endpoint) {
        routes.add(new Route(HttpMethod.PUT, pattern, true, now(endpoint)));
        return this;
    }

    /** A mutating route (token-protected) for DELETE, whose answer comes later. */
    AdminRouter deleteDeferred(String pattern, DeferredEndpoint endpoint) {
        routes.add(new Route(HttpMethod.DELETE, pattern, true, endpoint));
        return this;
    }

    /** A mutating route (token-protected) whose answer comes later. */
    AdminRouter postDeferred(String pattern, DeferredEndpoint endpoint) {
        routes.add(new Route(HttpMethod.POST, pattern, true, endpoint));
        return this;
    }

    private static DeferredEndpoint now(Endpoint endpoint) {
        return request -> {
            try {
                return CompletableFuture.completedFuture(endpoint.handle(request));
            } catch (Exception e) {
                return CompletableFuture.failedFuture(e);
            }
        };
    }

    Match match(HttpMethod method, String path) {
        String[] segments = split(path);
        Set<String> allowed = new TreeSet<>();
        for (Route r : routes) {
            Map<String, String> params = bind(split(r.pattern()), segments);
            if (params == null) {
                continue;
            }
            if (r.method().equals(method) || (r.method().equals(HttpMethod.GET) && method.equals(HttpMethod.HEAD))) {
                return new Match(r, params, Set.of());
            }
            allowed.add(r.method().name());
            if (r.method().equals(HttpMethod.GET)) {
                allowed.add(HttpMethod.HEAD.name());
            }
        }
        return new Match(null, Map.of(), allowed);
    }

    private static Map<String, String> bind(String[] pattern, String[] segments) {
        if (pattern.length != segments.length) {
            return null;
        }
        Map<String, String> params = new LinkedHashMap<>();
        for (int i = 0; i < pattern.length; i++) {
            String p = pattern[i];
            if (p.startsWith("{") && p.endsWith("}")) {
                if (segments[i].isEmpty()) {
                    return null;
                }
                params.put(p.substring(1, p.length() - 1), QueryStringDecoder.decodeComponent(segments[i]));
            } else if (!p.equals(segments[i])) {
                return null;
            }
        }
        return params;
    }

    /** "/a/b/" and "/a/b" are the same path; "/" has no segments. */
    private static String[] split(String path) {
        String p = path;
        while (p.endsWith("/") && p.length() > 1) {
            p = p.substring(0, p.length() - 1);
        }
        if (p.equals("/") || p.isEmpty()) {
            return new String[0];
        }
        return (p.startsWith("/") ? p.substring(1) : p).split("/", -1);
    }
}
