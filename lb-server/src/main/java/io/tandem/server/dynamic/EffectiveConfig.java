package io.tandem.server.dynamic;

import io.tandem.config.BackendConfig;
import io.tandem.config.HostPort;
import io.tandem.config.PoolConfig;
import io.tandem.config.TandemConfig;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The config a node runs: the file's, with the backends that runtime changes
 * (admin API, DNS answers) added to its pools. A pure function of its inputs.
 *
 * <p>The file is the source of truth for what it names: an address the file
 * names in a pool is that pool's file backend, whatever the API or DNS say of
 * it; then API backends; then DNS ones, each address once per pool. Backends
 * of a pool the file does not define are left out (the pool is gone).
 */
final class EffectiveConfig {

    private EffectiveConfig() {}

    /**
     * @param extra per pool name, the runtime backends in the order they were added (API first, then DNS);
     *              an address may appear more than once, the first wins
     */
    static TandemConfig of(TandemConfig file, Map<String, List<BackendConfig>> extra) {
        Map<String, PoolConfig> pools = new LinkedHashMap<>();
        boolean changed = false;
        for (PoolConfig p : file.pools().values()) {
            List<BackendConfig> more = extra.getOrDefault(p.name(), List.of());
            if (more.isEmpty()) {
                pools.put(p.name(), p);
                continue;
            }
            List<BackendConfig> backends = new ArrayList<>(p.backends());
            Set<HostPort> named = new HashSet<>();
            p.backends().forEach(b -> named.add(b.address()));
            for (BackendConfig b : more) {
                if (named.add(b.address())) {
                    backends.add(b);
                    changed = true;
                }
            }
            pools.put(p.name(), p.withBackends(backends));
        }
        if (!changed) {
            return file;
        }
        return file.withPools(pools);
    }
}
