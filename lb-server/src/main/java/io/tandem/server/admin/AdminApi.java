package io.tandem.server.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.tandem.config.Defaults;
import io.tandem.config.HostPort;
import io.tandem.core.pool.Backend;
import io.tandem.server.LogLevels;
import io.tandem.server.dynamic.ApiBackend;
import io.tandem.server.dynamic.RuntimeBackends;
import io.tandem.server.dynamic.SharedChange;
import io.tandem.server.cache.HttpCache;
import io.tandem.server.metrics.ProxyMetrics;
import io.tandem.server.proxy.PoolRuntime;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin endpoints of DESIGN.md and the routes that reach them. Each
 * endpoint is a small method; a mutating one logs what it changed and who
 * asked. Runs on the admin event loop; the server objects it changes are
 * thread-safe (a pool republishes its live view under its own lock).
 */
final class AdminApi {

    private static final Logger log = LoggerFactory.getLogger(AdminApi.class);
    private static final byte[] STATUS_PAGE = resource("status.html");

    private final AdminNode server;
    private final ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private final StatusReport status;
    private final AdminRouter router;
    private final LogLevels logLevels;

    AdminApi(AdminNode server) {
        this(server, LogLevels.ofProcess());
    }

    AdminApi(AdminNode server, LogLevels logLevels) {
        this.server = server;
        this.logLevels = logLevels;
        this.status = new StatusReport(json, server);
        this.router = new AdminRouter()
                .get("/", this::page)
                .get("/metrics", this::metrics)
                .get("/status", this::status)
                .get("/healthz", r -> AdminResponse.text(HttpResponseStatus.OK, "ok"))
                .post("/api/v1/pools/{pool}/backends/{backend}/drain", this::drain)
                .post("/api/v1/pools/{pool}/backends/{backend}/enable", this::enable)
                .post("/api/v1/pools/{pool}/backends/{backend}/weight", this::weight)
                .get("/api/v1/pools/{pool}/backends", this::listBackends)
                .postDeferred("/api/v1/pools/{pool}/backends", this::addBackend)
                .deleteDeferred("/api/v1/pools/{pool}/backends", this::removeBackend)
                .deleteDeferred("/api/v1/pools/{pool}/backends/{backend}", this::removeBackend)
                .postDeferred("/api/v1/pools/{pool}/backends/{backend}/address", this::moveBackend)
                .get("/api/v1/log-level", this::logLevels)
                .put("/api/v1/log-level", this::setLogLevel)
                .post("/api/v1/log-level", this::setLogLevel)
                .postDeferred("/api/v1/reload", this::reload)
                .postDeferred("/api/v1/failover/handover", this::handover)
                .postDeferred("/api/v1/node/drain", r -> announceNode(r, true))
                .postDeferred("/api/v1/node/enable", r -> announceNode(r, false))
                .post("/api/v1/caches/{cache}/purge", this::purgeCache)
                .post("/api/v1/caches/{cache}/ban", this::banCache);
    }

    AdminRouter router() {
        return router;
    }

    private AdminResponse page(AdminRequest r) {
        return new AdminResponse(HttpResponseStatus.OK, "text/html; charset=utf-8", STATUS_PAGE, Map.of())
                .withHeader("Cache-Control", "no-store");
    }

    private AdminResponse metrics(AdminRequest r) {
        ProxyMetrics.Scrape scrape = server.metrics().scrape(r.headers().get(HttpHeaderNames.ACCEPT));
        return new AdminResponse(HttpResponseStatus.OK, scrape.contentType(), scrape.body(), Map.of());
    }

    private AdminResponse status(AdminRequest r) throws IOException {
        return AdminResponse.json(HttpResponseStatus.OK, json.writeValueAsString(status.build()))
                .withHeader("Cache-Control", "no-store");
    }

    /**
     * Removes one URL from a cache: {@code url} (query, form or JSON) as
     * {@code http://host/path?query} or {@code host/path?query}. 200 with
     * {@code purged} 1 or 0.
     */
    private AdminResponse purgeCache(AdminRequest r) throws IOException {
        HttpCache cache = server.caches().get(r.param("cache"));
        if (cache == null) {
            return noCache(r.param("cache"));
        }
        Map<String, String> args = args(r, List.of("url"));
        String url = args.get("url");
        if (url == null) {
            return AdminResponse.text(HttpResponseStatus.BAD_REQUEST,
                    "url is required: {\"url\": \"http://example.com/page\"}");
        }
        String key = cacheKey(url);
        int purged = cache.purge(key) ? 1 : 0;
        log.info("admin: purged {} from cache {}: {} object(s) (asked by {})", key, cache.name(), purged, r.client());
        return AdminResponse.json(HttpResponseStatus.OK, json.writeValueAsString(
                json.createObjectNode().put("cache", cache.name()).put("key", key).put("purged", purged)));
    }

    /**
     * Removes every URL of a cache that matches: {@code prefix} (a URL prefix,
     * {@code http://host/path} or {@code host/path}), {@code regex} (found in
     * {@code host/path?query}) or {@code tag} (a {@code Cache-Tag} or {@code xkey}
     * of the response). Exactly one. 200 with how many were removed.
     */
    private AdminResponse banCache(AdminRequest r) throws IOException {
        HttpCache cache = server.caches().get(r.param("cache"));
        if (cache == null) {
            return noCache(r.param("cache"));
        }
        Map<String, String> args = args(r, List.of("prefix", "regex", "tag"));
        if (args.size() != 1) {
            return AdminResponse.text(HttpResponseStatus.BAD_REQUEST,
                    "give exactly one of prefix, regex or tag: {\"prefix\": \"http://example.com/news/\"}");
        }
        int banned;
        String what;
        if (args.containsKey("prefix")) {
            what = "prefix " + cacheKey(args.get("prefix"));
            banned = cache.banPrefix(cacheKey(args.get("prefix")));
        } else if (args.containsKey("regex")) {
            java.util.regex.Pattern p;
            try {
                p = java.util.regex.Pattern.compile(args.get("regex"));
            } catch (java.util.regex.PatternSyntaxException e) {
                return AdminResponse.text(HttpResponseStatus.BAD_REQUEST, "regex: " + e.getDescription());
            }
            what = "regex " + args.get("regex");
            banned = cache.banRegex(p);
        } else {
            what = "tag " + args.get("tag");
            banned = cache.banTag(args.get("tag"));
        }
        log.info("admin: banned {} from cache {}: {} URL(s) (asked by {})", what, cache.name(), banned, r.client());
        return AdminResponse.json(HttpResponseStatus.OK, json.writeValueAsString(
                json.createObjectNode().put("cache", cache.name()).put("ban", what).put("purged", banned)));
    }

    private AdminResponse noCache(String name) {
        return AdminResponse.text(HttpResponseStatus.NOT_FOUND, "no cache named '" + name + "'; caches are "
                + String.join(", ", server.caches().keySet()));
    }

    /** A URL as a cache key: the scheme goes, the host is lowercased and loses its port. */
    static String cacheKey(String url) {
        String u = url.strip();
        int scheme = u.indexOf("://");
        if (scheme >= 0) {
            u = u.substring(scheme + 3);
        }
        int slash = u.indexOf('/');
        String host = slash < 0 ? u : u.substring(0, slash);
        return HttpCache.key(host, slash < 0 ? "/" : u.substring(slash));
    }

    /** The named arguments of a call, from JSON, a form body or the query; only those set. */
    private Map<String, String> args(AdminRequest r, List<String> names) throws IOException {
        Map<String, String> args = new java.util.LinkedHashMap<>();
        String body = r.body().strip();
        JsonNode node = null;
        Map<String, List<String>> form = Map.of();
        if (body.startsWith("{")) {
            try {
                node = json.readTree(body);
            } catch (IOException e) {
                node = null;
            }
        } else if (!body.isEmpty()) {
            form = new QueryStringDecoder(body, false).parameters();
        }
        for (String n : names) {
            String v = node != null && node.hasNonNull(n) ? node.get(n).asText()
                    : form.containsKey(n) ? form.get(n).get(0) : r.query(n);
            if (v != null && !v.isEmpty()) {
                args.put(n, v);
            }
        }
        return args;
    }

    /** The loggers with a level of their own, and the levels there are. */
    private AdminResponse logLevels(AdminRequest r) throws IOException {
        ObjectNode body = json.createObjectNode();
        ObjectNode loggers = body.putObject("loggers");
        logLevels.configured().forEach(loggers::put);
        ArrayNode levels = body.putArray("levels");
        LogLevels.NAMES.forEach(levels::add);
        return AdminResponse.json(HttpResponseStatus.OK, json.writeValueAsString(body));
    }

    /**
     * Sets one logger's level until the process restarts: JSON
     * {@code {"logger": "io.tandem", "level": "DEBUG"}} (or the same as form or
     * query parameters; no logger means ROOT). 400 names what is wrong.
     */
    private AdminResponse setLogLevel(AdminRequest r) throws IOException {
        String logger = r.query("logger");
        String level = r.query("level");
        String body = r.body().strip();
        if (body.startsWith("{")) {
            JsonNode node;
            try {
                node = json.readTree(body);
            } catch (IOException e) {
                return AdminResponse.text(HttpResponseStatus.BAD_REQUEST,
                        "the body is not JSON; expected {\"logger\": \"io.tandem\", \"level\": \"DEBUG\"}");
            }
            logger = node.hasNonNull("logger") ? node.get("logger").asText() : logger;
            level = node.hasNonNull("level") ? node.get("level").asText() : level;
        } else if (!body.isEmpty()) {
            Map<String, List<String>> form = new QueryStringDecoder(body, false).parameters();
            logger = form.containsKey("logger") ? form.get("logger").get(0) : logger;
            level = form.containsKey("level") ? form.get("level").get(0) : level;
        }
        if (level == null) {
            return AdminResponse.text(HttpResponseStatus.BAD_REQUEST,
                    "level is required: {\"logger\": \"io.tandem\", \"level\": \"DEBUG\"}; levels are "
                            + String.join(", ", LogLevels.NAMES));
        }
        String name = logger == null || logger.isBlank() ? LogLevels.ROOT : logger.strip();
        String before;
        try {
            before = logLevels.set(name, level.strip());
        } catch (IllegalArgumentException e) {
            return AdminResponse.text(HttpResponseStatus.BAD_REQUEST, e.getMessage());
        }
        String now = logLevels.effective(name);
        log.info("admin: log level of {} {} -> {} (asked by {})", name, before, now, r.client());
        ObjectNode answer = json.createObjectNode().put("logger", name).put("level", now).put("previous", before);
        return AdminResponse.json(HttpResponseStatus.OK, json.writeValueAsString(answer));
    }

    /**
     * Same as SIGHUP: 200 with a summary when applied, 422 with every problem
     * when refused (the running config stays). Runs on the control thread.
     */
    private CompletionStage<AdminResponse> reload(AdminRequest r) {
        log.info("admin: reload asked by {}", r.client());
        return server.reloadAsync().thenApply(result -> {
            ObjectNode body = json.createObjectNode();
            body.put("applied", result.applied());
            body.put("summary", result.summary());
            ArrayNode problems = body.putArray("problems");
            result.problems().forEach(problems::add);
            return answer(result.applied() ? HttpResponseStatus.OK : HttpResponseStatus.UNPROCESSABLE_ENTITY, body);
        });
    }

    /** A JSON answer built off the admin loop (a deferred endpoint's). */
    private AdminResponse answer(HttpResponseStatus status, ObjectNode body) {
        try {
            return AdminResponse.json(status, json.writeValueAsString(body));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Hands the VIPs to the peer now, hitlessly: 200 once the peer holds them (this node is then BACKUP and
     * does not preempt them back until the peer hands them back); 409 with the reason when nothing changed
     * (not MASTER, no live or no ready peer, the peer did not take them in time, standalone).
     */
    private CompletionStage<AdminResponse> handover(AdminRequest r) {
        log.info("admin: failover handover asked by {}", r.client());
        return server.handover().thenApply(h -> {
            ObjectNode body = json.createObjectNode();
            body.put("handedOver", h.done());
            body.put("detail", h.detail());
            body.put("millis", h.millis());
            return answer(h.done() ? HttpResponseStatus.OK : HttpResponseStatus.CONFLICT, body);
        });
    }

    /**
     * Drains or enables this announcing node: 200 with the announce state once the routing daemon was told
     * (a drain withdraws first and drains the connections after {@code announce.withdraw-wait}; an enable
     * announces again once the node is ready); 409 when the node does not announce or the daemon refused.
     */
    private CompletionStage<AdminResponse> announceNode(AdminRequest r, boolean drain) {
        log.info("admin: node {} asked by {}", drain ? "drain" : "enable", r.client());
        return server.announceNode(drain).thenApply(c -> {
            ObjectNode body = json.createObjectNode();
            body.put("ok", c.ok());
            body.put("state", c.state());
            body.put("detail", c.message());
            return answer(c.ok() ? HttpResponseStatus.OK : HttpResponseStatus.CONFLICT, body);
        });
    }

    /**
     * Takes a backend out of rotation: no new requests, those in flight
     * finish, its idle connections close. The pool's health keeps the drain
     * (across reloads) and logs the change.
     */
    private AdminResponse drain(AdminRequest r) throws IOException {
        Target t = target(r);
        if (t.problem != null) {
            return t.problem;
        }
        t.pool.health().drain(t.backend, "drained through the admin API (asked by " + r.client() + ")");
        server.changedHere(new SharedChange(SharedChange.DRAIN, t.pool.name(), t.backend.id(), "drained"));
        return backendAnswer(t);
    }

    /** Ends a drain: the backend is up again unless its health checks or an ejection say otherwise. */
    private AdminResponse enable(AdminRequest r) throws IOException {
        Target t = target(r);
        if (t.problem != null) {
            return t.problem;
        }
        t.pool.health().enable(t.backend, "enabled through the admin API (asked by " + r.client() + ")");
        server.changedHere(new SharedChange(SharedChange.DRAIN, t.pool.name(), t.backend.id(), "enabled"));
        return backendAnswer(t);
    }

    /** Sets a backend's current weight, 0-1000 (0: no new requests, like a drain that keeps its state). */
    private AdminResponse weight(AdminRequest r) throws IOException {
        Target t = target(r);
        if (t.problem != null) {
            return t.problem;
        }
        String text = r.query("weight");
        if (text == null) {
            text = bodyWeight(r);
        }
        if (text == null) {
            return AdminResponse.text(HttpResponseStatus.BAD_REQUEST,
                    "weight is required: ?weight=N, a form body weight=N or JSON {\"weight\": N}");
        }
        int weight;
        try {
            weight = Integer.parseInt(text.strip());
        } catch (NumberFormatException e) {
            weight = -1;
        }
        if (weight < 0 || weight > Defaults.MAX_WEIGHT) {
            return AdminResponse.text(HttpResponseStatus.BAD_REQUEST,
                    "weight must be a whole number from 0 to " + Defaults.MAX_WEIGHT + "; got '" + text + "'");
        }
        int old = t.backend.weight();
        t.pool.pool().setWeight(t.backend, weight);
        server.changedHere(new SharedChange(SharedChange.WEIGHT, t.pool.name(), t.backend.id(),
                Integer.toString(weight)));
        if (server.runtimeBackends() != null) {
            server.runtimeBackends().weightSet(t.pool.name(), t.backend.id(), weight);
        }
        if (old != weight) {
            log.info("admin: backend {} of pool {} weight {} -> {} (asked by {})", t.backend.id(), t.pool.name(),
                    old, weight, r.client());
        }
        return backendAnswer(t);
    }

    /** Every backend of a pool, with where it came from (file, api, dns) and its state. */
    private AdminResponse listBackends(AdminRequest r) throws IOException {
        String poolName = r.param("pool");
        PoolRuntime pool = server.pools().get(poolName);
        if (pool == null) {
            return noPool(poolName);
        }
        ObjectNode body = json.createObjectNode().put("pool", poolName);
        ArrayNode backends = body.putArray("backends");
        for (Backend b : pool.pool().backends()) {
            status.backend(backends.addObject(), pool, b);
        }
        return AdminResponse.json(HttpResponseStatus.OK, json.writeValueAsString(body));
    }

    /**
     * Adds a backend at runtime: JSON {@code {"address": "10.0.0.14:80", "weight": 2, "backup": false,
     * "sticky-id": "web-4"}} (only the address is required). 201 with the backend; it takes traffic once
     * its checks pass. Kept in the state file beside the config.
     */
    private CompletionStage<AdminResponse> addBackend(AdminRequest r) {
        RuntimeBackends runtime = server.runtimeBackends();
        JsonNode node;
        try {
            node = json.readTree(r.body().isBlank() ? "{}" : r.body());
        } catch (IOException e) {
            node = null;
        }
        String expected = "; expected JSON {\"address\": \"10.0.0.14:80\", \"weight\": 1, \"backup\": false, "
                + "\"sticky-id\": \"web-4\"} (only address is required)";
        if (node == null || !node.isObject()) {
            return bad("the body is not a JSON object" + expected);
        }
        for (var names = node.fieldNames(); names.hasNext(); ) {
            String n = names.next();
            if (!List.of("address", "weight", "backup", "sticky-id").contains(n)) {
                return bad("unknown key '" + n + "'" + expected);
            }
        }
        HostPort address;
        try {
            address = HostPort.parse(node.path("address").asText(null));
        } catch (IllegalArgumentException e) {
            return bad("address " + e.getMessage());
        }
        if (address.isWildcard()) {
            return bad("address: a backend needs a concrete host, not *");
        }
        JsonNode w = node.path("weight");
        int weight = w.isMissingNode() ? Defaults.WEIGHT : w.isInt() ? w.asInt() : -1;
        if (weight < Defaults.MIN_WEIGHT || weight > Defaults.MAX_WEIGHT) {
            return bad("weight must be a whole number from " + Defaults.MIN_WEIGHT + " to " + Defaults.MAX_WEIGHT
                    + "; got " + w);
        }
        JsonNode backup = node.path("backup");
        if (!backup.isMissingNode() && !backup.isBoolean()) {
            return bad("backup must be true or false; got " + backup);
        }
        JsonNode sticky = node.path("sticky-id");
        String stickyId = sticky.isMissingNode() || sticky.isNull() ? null : sticky.asText();
        if (stickyId != null && !stickyId.matches(ApiBackend.STICKY_ID_CHARS)) {
            return bad("sticky-id '" + stickyId + "' must be 1-64 letters, digits, '_', '.' or '-'");
        }
        return runtime.add(r.param("pool"), new ApiBackend(address, weight, backup.asBoolean(false), stickyId),
                r.client()).thenApply(this::changed);
    }

    /**
     * Removes a backend the API added: drained at once (no new requests), gone once its requests in flight
     * are done. 202. The backend is named in the path, or as {@code ?address=}.
     */
    private CompletionStage<AdminResponse> removeBackend(AdminRequest r) {
        String id = r.param("backend") != null ? r.param("backend") : r.query("address");
        if (id == null) {
            return bad("name the backend: DELETE /api/v1/pools/{pool}/backends/{address} or ?address=");
        }
        return server.runtimeBackends().remove(r.param("pool"), id, r.client()).thenApply(this::changed);
    }

    /** Moves a backend the API added to another address: JSON {@code {"address": "10.0.0.15:80"}}. 200. */
    private CompletionStage<AdminResponse> moveBackend(AdminRequest r) {
        String text = r.query("address");
        if (text == null && r.body().strip().startsWith("{")) {
            try {
                JsonNode a = json.readTree(r.body()).get("address");
                text = a == null ? null : a.asText();
            } catch (IOException e) {
                return bad("the body is not JSON; expected {\"address\": \"10.0.0.15:80\"}");
            }
        }
        HostPort to;
        try {
            to = HostPort.parse(text);
        } catch (IllegalArgumentException e) {
            return bad("address " + e.getMessage() + "; expected {\"address\": \"10.0.0.15:80\"}");
        }
        if (to.isWildcard()) {
            return bad("address: a backend needs a concrete host, not *");
        }
        return server.runtimeBackends().setAddress(r.param("pool"), r.param("backend"), to, r.client())
                .thenApply(this::changed);
    }

    /** The answer to a runtime change: the backend as /status shows it, or the reason nothing changed. */
    private AdminResponse changed(RuntimeBackends.Outcome o) {
        HttpResponseStatus code = HttpResponseStatus.valueOf(o.status());
        if (o.backend() == null) {
            return AdminResponse.text(code, o.message());
        }
        ObjectNode body = json.createObjectNode().put("pool", o.pool());
        PoolRuntime pool = server.pools().get(o.pool());
        Backend b = pool == null ? null : pool.pool().backend(o.backend());
        if (b != null) {
            status.backend(body, pool, b);
        } else {
            body.put("address", o.backend());
        }
        body.put("detail", o.message());
        return answer(code, body);
    }

    private static CompletionStage<AdminResponse> bad(String message) {
        return java.util.concurrent.CompletableFuture.completedFuture(
                AdminResponse.text(HttpResponseStatus.BAD_REQUEST, message));
    }

    private AdminResponse noPool(String poolName) {
        return AdminResponse.text(HttpResponseStatus.NOT_FOUND,
                "no pool named '" + poolName + "'; pools are " + String.join(", ", server.pools().keySet()));
    }

    /** The weight from a JSON or form body, or null when the body has none. */
    private String bodyWeight(AdminRequest r) throws IOException {
        String body = r.body().strip();
        if (body.isEmpty()) {
            return null;
        }
        if (body.startsWith("{")) {
            JsonNode node;
            try {
                node = json.readTree(body);
            } catch (IOException e) {
                return "(malformed JSON)";
            }
            JsonNode w = node.get("weight");
            return w == null ? null : w.asText();
        }
        List<String> values = new QueryStringDecoder(body, false).parameters().get("weight");
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    private AdminResponse backendAnswer(Target t) throws IOException {
        return AdminResponse.json(HttpResponseStatus.OK,
                json.writeValueAsString(status.backend(json.createObjectNode().put("pool", t.pool.name()), t.pool,
                        t.backend)));
    }

    /** The pool and backend a call names, or the 404 that says which one is unknown. */
    private Target target(AdminRequest r) {
        String poolName = r.param("pool");
        PoolRuntime pool = server.pools().get(poolName);
        if (pool == null) {
            return new Target(null, null, AdminResponse.text(HttpResponseStatus.NOT_FOUND,
                    "no pool named '" + poolName + "'; pools are " + String.join(", ", server.pools().keySet())));
        }
        String id = r.param("backend");
        Backend backend = pool.pool().backend(id);
        if (backend == null) {
            StringBuilder known = new StringBuilder();
            for (Backend b : pool.pool().backends()) {
                known.append(known.length() == 0 ? "" : ", ").append(b.id());
            }
            return new Target(pool, null, AdminResponse.text(HttpResponseStatus.NOT_FOUND,
                    "pool '" + poolName + "' has no backend '" + id + "'; its backends are " + known));
        }
        return new Target(pool, backend, null);
    }

    private record Target(PoolRuntime pool, Backend backend, AdminResponse problem) {}

    private static byte[] resource(String name) {
        try (InputStream in = AdminApi.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("resource " + name + " is missing from the jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
