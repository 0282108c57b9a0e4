package io.tandem.server;

import io.tandem.config.ListenerConfig;
import io.tandem.config.PoolConfig;
import io.tandem.config.TandemConfig;
import io.tandem.server.metrics.ProxyMetrics;
import io.tandem.server.tls.BackendTls;
import io.tandem.server.tls.ListenerTls;
import io.tandem.server.tls.TlsEngine;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TLS contexts a config load needs, built before anything of the load is
 * put in force: a refusal by the engine then leaves the running config as it
 * was.
 */
final class TlsContexts {

    private static final Logger log = LoggerFactory.getLogger(TandemServer.class);

    private TlsContexts() {}

    /**
     * The TLS of every TLS listener of {@code next}, by listener name: a context per certificate, built
     * once per load. Throws with the listener's key path when the engine refuses a setting.
     */
    static Map<String, ListenerTls> listeners(TandemConfig next, ProxyMetrics metrics) {
        Map<String, ListenerTls> built = new HashMap<>();
        for (ListenerConfig l : next.listeners()) {
            try {
                ListenerTls tls = l.tls().isEmpty() ? null
                        : ListenerTls.build(l, TlsEngine.current(), metrics.tls(l.name()));
                if (tls != null) {
                    built.put(l.name(), tls);
                }
            } catch (SSLException | IllegalArgumentException e) {
                throw new IllegalStateException("listeners." + l.name() + ".tls: the " + TlsEngine.current()
                        .description() + " engine refuses it: " + e.getMessage(), e);
            }
        }
        return built;
    }

    /**
     * The TLS context of each pool of {@code next} that has {@code tls},
     * built anew from its files (so replaced certificates take effect), before
     * anything else is built; throws {@link IllegalStateException} naming the
     * pool when one cannot be built, and then nothing has changed.
     */
    static Map<String, BackendTls> pools(TandemConfig next) {
        Map<String, BackendTls> contexts = new LinkedHashMap<>();
        for (PoolConfig p : next.pools().values()) {
            if (p.tls().isEmpty()) {
                continue;
            }
            try {
                BackendTls tls = BackendTls.of(p.name(), p.tls().get(),
                        p.protocol() == PoolConfig.BackendProtocol.H2);
                contexts.put(p.name(), tls);
                log.info("pool {}: HTTPS to backends ({})", p.name(), tls.description());
            } catch (javax.net.ssl.SSLException e) {
                throw new IllegalStateException("pools." + p.name() + ".tls: cannot load: " + e.getMessage(), e);
            }
        }
        return contexts;
    }
}
