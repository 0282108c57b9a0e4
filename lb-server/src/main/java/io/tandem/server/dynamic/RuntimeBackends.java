package io.tandem.server.dynamic;

import io.tandem.config.BackendConfig;
import io.tandem.config.HostPort;
import io.tandem.config.TandemConfig;
import io.tandem.core.pool.Backend;
import io.tandem.server.ReloadResult;
import io.tandem.server.proxy.PoolRuntime;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The backends that change while the node runs: those the admin API adds,
 * removes and moves, kept in the {@link StateFile} beside the config, and
 * those DNS discovery finds ({@link #dnsAnswered}). It merges them into the
 * file's config ({@link EffectiveConfig}) and has the node apply the result
 * the way a reload does for pools (backends that stay are the same objects,
 * with their health, connections and meters), without touching listeners,
 * TLS or routes' limits.
 *
 * <p>A removal drains first: the backend takes no new request, and it leaves
 * the pool once its requests in flight are done (or after the pool's
 * response timeout; a request still running then finishes on the retired
 * backend, as after a reload).
 *
 * <p>Runs on the node's control thread, like reloads, so a runtime change and
 * a reload never interleave; callers from other threads go through the
 * returned futures. {@link #apiBackends} may be read from any thread.
 */
public final class RuntimeBackends {

    private static final Logger log = LoggerFactory.getLogger(RuntimeBackends.class);
    private static final long DRAIN_POLL_MILLIS = 50;

    /** What a change did: an HTTP status for the admin API, a sentence, and the backend it concerns. */
    public record Outcome(int status, String message, String pool, String backend) {

        static Outcome of(int status, String message) {
            return new Outcome(status, message, null, null);
        }
    }

    private final StateFile stateFile;
    private final Supplier<Map<String, PoolRuntime>> pools;
    private final Function<TandemConfig, ReloadResult> apply;
    private final Executor control;
    private final ScheduledExecutorService timer;
    /** The file's config (without runtime backends). Control thread. */
    private TandemConfig file;
    /** API backends per pool, in the order added. Control thread; published copies in {@link #published}. */
    private final Map<String, List<ApiBackend>> api = new LinkedHashMap<>();
    /** Backends being removed, per pool: still in the pool, drained, until their requests are done. Control thread. */
    private final Map<String, List<BackendConfig>> leaving = new LinkedHashMap<>();
    /** DNS backends per pool, as {@link #dnsAnswered} last set them. Control thread. */
    private final Map<String, List<BackendConfig>> dns = new LinkedHashMap<>();
    private volatile Map<String, List<ApiBackend>> published = Map.of();
    /** Told of each change made here (not of those the peer sent): the pair's state sync. */
    private volatile java.util.function.Consumer<SharedChange> shared = c -> { };

    /**
     * @param stateFile where API backends are kept; null for none (the built-in demo)
     * @param pools     the node's pools in force
     * @param apply     applies a config with other backends only (see the class comment)
     * @param control   the node's control thread
     * @param timer     for the short polls of a drain (never blocks)
     */
    public RuntimeBackends(StateFile stateFile, Supplier<Map<String, PoolRuntime>> pools,
                           Function<TandemConfig, ReloadResult> apply, Executor control,
                           ScheduledExecutorService timer) {
        this.stateFile = stateFile;
        this.pools = pools;
        this.apply = apply;
        this.control = control;
        this.timer = timer;
    }

    /** Tells {@code listener} of every change made on this node (the pair's state sync sends them on). */
    public void onChange(java.util.function.Consumer<SharedChange> listener) {
        this.shared = listener;
    }

    /**
     * Applies a backend change the peer made ({@link SharedChange#BACKEND}): adds it when present and
     * missing here, removes (drains) an API backend when absent. Not told back to the peer. Runs on the
     * control thread, where the caller must be, so the peer's changes apply in their order.
     */
    public Outcome applyFromPeer(SharedChange c, String peer) {
        String who = "the peer " + peer;
        if (c.value().isEmpty()) {
            return remove(c.pool(), c.backend(), who, false, Runnable::run).join();
        }
        String[] v = c.value().split(";", 3);
        HostPort address = HostPort.parse(c.backend());
        String sticky = v.length > 2 && !v[2].isEmpty() ? v[2] : null;
        return add(c.pool(), new ApiBackend(address, Integer.parseInt(v[0]), Boolean.parseBoolean(v[1]), sticky),
                who, false, Runnable::run).join();
    }

    /** The state file, or null without one. */
    public StateFile stateFile() {
        return stateFile;
    }

    /**
     * Reads the state file and returns the config to start with. Backends the
     * file's config now names, and those of pools it no longer has, are
     * dropped from the state (the config is the source of truth).
     */
    public TandemConfig start(TandemConfig fileConfig) throws IOException {
        return start(fileConfig, Map.of());
    }

    /** As {@link #start(TandemConfig)}, with the DNS backends per pool that discovery found at start. */
    public TandemConfig start(TandemConfig fileConfig, Map<String, List<BackendConfig>> dnsAtStart)
            throws IOException {
        dnsAtStart.forEach((pool, list) -> dns.put(pool, List.copyOf(list)));
        if (stateFile != null) {
            stateFile.read().forEach((pool, list) -> api.put(pool, new ArrayList<>(list)));
            int n = api.values().stream().mapToInt(List::size).sum();
            if (n > 0) {
                log.info("state file {}: {} backend(s) added through the admin API", stateFile.path(), n);
            }
        }
        file = fileConfig;
        forgetWhatTheFileNames();
        return effective(fileConfig);
    }

    /** The config to apply for a reload of {@code fileConfig}: it with this node's runtime backends. */
    public TandemConfig effective(TandemConfig fileConfig) {
        Map<String, List<BackendConfig>> extra = new LinkedHashMap<>();
        api.forEach((pool, list) -> list.forEach(b -> extra.computeIfAbsent(pool, k -> new ArrayList<>())
                .add(b.config())));
        leaving.forEach((pool, list) -> extra.computeIfAbsent(pool, k -> new ArrayList<>()).addAll(list));
        dns.forEach((pool, list) -> extra.computeIfAbsent(pool, k -> new ArrayList<>()).addAll(list));
        return EffectiveConfig.of(fileConfig, extra);
    }

    /** A reload of {@code fileConfig} was applied: it is the file's config now. */
    public void committed(TandemConfig fileConfig) {
        file = fileConfig;
        forgetWhatTheFileNames();
    }

    /** The file's config in force (without runtime backends). */
    public TandemConfig fileConfig() {
        return file;
    }

    /** The API backends per pool, as the state file has them. Any thread. */
    public Map<String, List<ApiBackend>> apiBackends() {
        return published;
    }

    /**
     * Adds {@code backend} to {@code pool}: 201, or 404 (no such pool), 409 (the
     * address or sticky id is taken), 500 (the state file cannot be written).
     * It takes traffic once its checks pass {@code rise} times, slow-started.
     */
    public CompletableFuture<Outcome> add(String pool, ApiBackend backend, String who) {
        return add(pool, backend, who, true, control);
    }

    private CompletableFuture<Outcome> add(String pool, ApiBackend backend, String who, boolean tell, Executor on) {
        return CompletableFuture.supplyAsync(() -> {
            PoolRuntime p = pools.get().get(pool);
            if (p == null || file.pool(pool) == null) {
                return Outcome.of(404, noPool(pool));
            }
            String id = backend.address().toString();
            Backend existing = p.pool().backend(id);
            if (existing != null) {
                return Outcome.of(409, "pool '" + pool + "' already has backend " + id + " (from "
                        + existing.origin().label() + ")");
            }
            String sticky = backend.stickyId() != null ? backend.stickyId() : Backend.derivedStickyId(backend.address());
            for (Backend b : p.pool().backends()) {
                if (b.stickyId().equals(sticky)) {
                    return Outcome.of(409, "sticky id '" + sticky + "' already names backend " + b.id()
                            + " of pool '" + pool + "'");
                }
            }
            api.computeIfAbsent(pool, k -> new ArrayList<>()).add(backend);
            Outcome failed = saveAndApply(() -> api.get(pool).remove(backend));
            if (failed != null) {
                return failed;
            }
            log.info("pool {}: backend {} added through the admin API (weight {}{}) asked by {}", pool, id,
                    backend.weight(), backend.backup() ? ", backup" : "", who);
            if (tell) {
                shared.accept(SharedChange.present(pool, backend, sticky));
            }
            return new Outcome(201, "added; it takes traffic once its checks pass", pool, id);
        }, on);
    }

    /**
     * Removes an API backend of {@code pool}: drained at once, gone once its
     * requests in flight are done. 202, or 404, or 409 for a backend the file
     * or DNS gives (the file is the source of truth; drain it instead).
     */
    public CompletableFuture<Outcome> remove(String pool, String id, String who) {
        return remove(pool, id, who, true, control);
    }

    private CompletableFuture<Outcome> remove(String pool, String id, String who, boolean tell, Executor on) {
        return CompletableFuture.supplyAsync(() -> {
            Found f = find(pool, id);
            if (f.problem != null) {
                return f.problem;
            }
            List<ApiBackend> list = api.get(pool);
            int at = list.indexOf(f.entry);
            list.remove(at);
            // Still in the pool, drained, until its requests are done: only the state file changes now.
            leaving.computeIfAbsent(pool, k -> new ArrayList<>()).add(f.entry.config());
            Outcome failed = saveAndApply(() -> {
                list.add(at, f.entry);
                leaving.get(pool).remove(f.entry.config());
            });
            if (failed != null) {
                return failed;
            }
            drainThenRemove(pool, f.backend, f.entry.config(), "removed through the admin API (asked by " + who + ")");
            if (tell) {
                shared.accept(SharedChange.absent(pool, id));
            }
            return new Outcome(202, "draining; it leaves the pool once its requests in flight are done", pool, id);
        }, on);
    }

    /**
     * Moves an API backend to another address: a new backend there (checked
     * and slow-started like any new one, with the same weight, backup flag and
     * sticky id, so sticky clients follow it), and the old one drained and
     * removed. 200 with the new backend, or 404/409 as {@link #remove}.
     */
    public CompletableFuture<Outcome> setAddress(String pool, String id, HostPort to, String who) {
        return CompletableFuture.supplyAsync(() -> {
            Found f = find(pool, id);
            if (f.problem != null) {
                return f.problem;
            }
            PoolRuntime p = pools.get().get(pool);
            Backend taken = p.pool().backend(to.toString());
            if (taken != null) {
                return Outcome.of(409, "pool '" + pool + "' already has backend " + to + " (from "
                        + taken.origin().label() + ")");
            }
            ApiBackend moved = new ApiBackend(to, f.entry.weight(), f.entry.backup(), f.backend.stickyId());
            List<ApiBackend> list = api.get(pool);
            int at = list.indexOf(f.entry);
            list.set(at, moved);
            leaving.computeIfAbsent(pool, k -> new ArrayList<>()).add(f.entry.config());
            Outcome failed = saveAndApply(() -> {
                list.set(at, f.entry);
                leaving.get(pool).remove(f.entry.config());
            });
            if (failed != null) {
                return failed;
            }
            log.info("pool {}: backend {} moves to {} through the admin API, asked by {}", pool, id, to, who);
            drainThenRemove(pool, f.backend, f.entry.config(), "moved to " + to + " through the admin API");
            shared.accept(SharedChange.absent(pool, id));
            shared.accept(SharedChange.present(pool, moved, moved.stickyId()));
            return new Outcome(200, "moved; the new address takes traffic once its checks pass, the old one drains",
                    pool, to.toString());
        }, control);
    }

    /**
     * An operator (here or on the peer) set the weight of backend {@code id}: a backend the API added keeps
     * it in the state file, so a restart keeps it too (the file's and DNS backends keep theirs until a
     * restart, as before). Any thread; the write runs on the control thread.
     */
    public void weightSet(String pool, String id, int weight) {
        control.execute(() -> {
            List<ApiBackend> list = api.get(pool);
            if (list == null) {
                return;
            }
            for (int i = 0; i < list.size(); i++) {
                ApiBackend e = list.get(i);
                if (e.address().toString().equals(id) && e.weight() != weight) {
                    list.set(i, new ApiBackend(e.address(), weight, e.backup(), e.stickyId()));
                    try {
                        save();
                    } catch (IOException ex) {
                        log.error("cannot write the state file: {}", ex.getMessage());
                    }
                    return;
                }
            }
        });
    }

    /**
     * DNS discovery found {@code backends} for one pool (every DNS entry of the
     * pool together). Applies them when they differ from what the pool has.
     * Control thread only.
     */
    public void dnsAnswered(String pool, List<BackendConfig> backends) {
        List<BackendConfig> before = dns.getOrDefault(pool, List.of());
        if (before.equals(backends)) {
            return;
        }
        dns.put(pool, List.copyOf(backends));
        ReloadResult r = apply.apply(effective(file));
        if (!r.applied()) {
            log.error("pool {}: DNS backends not applied: {}", pool, String.join("; ", r.problems()));
            dns.put(pool, before);
        } else {
            log.info("pool {}: DNS backends applied: {}", pool, r.summary());
        }
    }

    private record Found(ApiBackend entry, Backend backend, Outcome problem) {}

    /** The API entry and live backend {@code id} of {@code pool}, or the 404/409 that says why not. */
    private Found find(String pool, String id) {
        PoolRuntime p = pools.get().get(pool);
        if (p == null || file.pool(pool) == null) {
            return new Found(null, null, Outcome.of(404, noPool(pool)));
        }
        Backend b = p.pool().backend(id);
        if (b == null) {
            return new Found(null, null, Outcome.of(404, "pool '" + pool + "' has no backend '" + id + "'"));
        }
        for (ApiBackend e : api.getOrDefault(pool, List.of())) {
            if (e.address().toString().equals(id)) {
                return new Found(e, b, null);
            }
        }
        String why = switch (b.origin()) {
            case FILE -> "is named in the config file " + file.source()
                    + ", which decides what it names: remove it there and reload, or drain it";
            case DNS -> "comes from a DNS answer: it goes when DNS stops giving it; drain it meanwhile";
            case API -> "is already being removed";
        };
        return new Found(null, b, Outcome.of(409, "backend " + id + " of pool '" + pool + "' " + why));
    }

    /**
     * Writes the state file, then applies. When either fails, {@code undo}
     * restores the API backends as they were (and the file is written again)
     * and the answer says why; null when both worked.
     */
    private Outcome saveAndApply(Runnable undo) {
        try {
            save();
        } catch (IOException e) {
            undo.run();
            log.error("cannot write the state file: {}", e.getMessage());
            return Outcome.of(500, "cannot write the state file, nothing changed: " + e.getMessage());
        }
        ReloadResult r = apply.apply(effective(file));
        if (!r.applied()) {
            undo.run();
            try {
                save();
            } catch (IOException e) {
                log.error("cannot write the state file back: {}", e.getMessage());
            }
            return Outcome.of(500, "not applied, nothing changed: " + String.join("; ", r.problems()));
        }
        return null;
    }

    /** Drains {@code backend} now and takes {@code config} out of the pool once its requests are done. */
    private void drainThenRemove(String pool, Backend backend, BackendConfig config, String reason) {
        List<BackendConfig> list = leaving.computeIfAbsent(pool, k -> new ArrayList<>());
        if (!list.contains(config)) {
            list.add(config);
        }
        PoolRuntime p = pools.get().get(pool);
        p.health().drain(backend, reason);
        long deadline = System.nanoTime() + p.config().responseTimeout().toNanos();
        watchDrain(pool, backend, config, deadline);
    }

    private void watchDrain(String pool, Backend backend, BackendConfig config, long deadline) {
        if (backend.inFlight() <= 0 || System.nanoTime() - deadline >= 0) {
            control.execute(() -> finishRemoval(pool, backend, config));
            return;
        }
        timer.schedule(() -> watchDrain(pool, backend, config, deadline), DRAIN_POLL_MILLIS, TimeUnit.MILLISECONDS);
    }

    private void finishRemoval(String pool, Backend backend, BackendConfig config) {
        List<BackendConfig> list = leaving.get(pool);
        if (list == null || !list.remove(config)) {
            return; // a reload took it out already
        }
        ReloadResult r = apply.apply(effective(file));
        log.info("pool {}: backend {} removed ({} request(s) still in flight){}", pool, backend.id(),
                backend.inFlight(), r.applied() ? "" : "; not applied: " + String.join("; ", r.problems()));
    }

    /** Drops API backends that the file's config names itself, or whose pool it no longer has; saves if any. */
    private void forgetWhatTheFileNames() {
        boolean changed = false;
        for (var it = api.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, List<ApiBackend>> e = it.next();
            var pool = file.pool(e.getKey());
            if (pool == null) {
                log.warn("state file: pool {} is no longer in the config; its {} API backend(s) are dropped",
                        e.getKey(), e.getValue().size());
                it.remove();
                changed = true;
                continue;
            }
            for (var b = e.getValue().iterator(); b.hasNext(); ) {
                ApiBackend a = b.next();
                if (pool.backends().stream().anyMatch(c -> c.address().equals(a.address()))) {
                    log.info("pool {}: backend {} is now named in the config file; the file decides it from now on",
                            e.getKey(), a.address());
                    b.remove();
                    changed = true;
                }
            }
        }
        leaving.keySet().removeIf(pool -> file.pool(pool) == null);
        if (changed) {
            try {
                save();
            } catch (IOException e) {
                log.error("cannot write the state file: {}", e.getMessage());
            }
        } else {
            publish();
        }
    }

    private void save() throws IOException {
        publish();
        if (stateFile != null) {
            stateFile.write(published);
        }
    }

    private void publish() {
        Map<String, List<ApiBackend>> copy = new LinkedHashMap<>();
        api.forEach((pool, list) -> {
            if (!list.isEmpty()) {
                copy.put(pool, List.copyOf(list));
            }
        });
        published = java.util.Collections.unmodifiableMap(copy);
    }

    private String noPool(String pool) {
        return "no pool named '" + pool + "'; pools are " + String.join(", ", file.pools().keySet());
    }
}
