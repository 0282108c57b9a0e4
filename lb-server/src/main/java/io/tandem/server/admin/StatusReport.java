package io.tandem.server.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tandem.config.BackendTlsConfig;
import io.tandem.config.ListenerConfig;
import io.tandem.config.ProxyProtocolVersion;
import io.tandem.core.health.HealthCheckSession;
import io.tandem.core.pool.Backend;
import io.tandem.server.FailoverStatus;
import io.tandem.server.announce.Announcer;
import io.tandem.server.failover.WarmStandby;
import io.tandem.server.Version;
import io.tandem.server.cache.CacheMeters;
import io.tandem.server.cache.HttpCache;
import io.tandem.server.health.LastCheck;
import io.tandem.server.metrics.BackendMeters;
import io.tandem.server.proxy.ListenerRuntime;
import io.tandem.server.proxy.PoolRuntime;
import io.tandem.server.tls.ListenerTls;
import io.tandem.config.TlsCertificate;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;

/**
 * The {@code /status} document: what this node runs and how each backend is
 * doing, built fresh from the server's live objects on every call (the
 * admin event loop; everything read is thread-safe). docs/operations.md
 * describes every field.
 */
final class StatusReport {

    private final ObjectMapper json;
    private final AdminNode server;

    StatusReport(ObjectMapper json, AdminNode server) {
        this.json = json;
        this.server = server;
    }

    ObjectNode build() {
        Instant now = Instant.now();
        ObjectNode root = json.createObjectNode();
        root.put("version", Version.get());
        root.put("config", server.config().source());
        root.put("configLoadedAt", server.loadedAt().toString());
        root.put("startedAt", server.startedAt().toString());
        root.put("uptimeSeconds", Duration.between(server.startedAt(), now).toSeconds());
        root.put("time", now.toString());
        root.put("requestMetrics", server.metrics().requestMetrics());
        failover(root.putObject("failover"), server.failoverStatus(), server.warmStandby());
        announce(root, server.announceStatus());
        java.util.Map<String, Object> sync = server.stateSync();
        if (sync != null) {
            root.set("stateSync", json.valueToTree(sync));
        }
        ArrayNode listeners = root.putArray("listeners");
        for (ListenerRuntime runtime : server.listeners()) {
            ListenerConfig l = runtime.routing().listener();
            ObjectNode n = listeners.addObject();
            n.put("name", l.name());
            n.put("bind", l.bind().toString());
            InetSocketAddress bound = server.listenerAddress(l.name());
            n.put("address", bound == null ? null : bound.getAddress().getHostAddress() + ":" + bound.getPort());
            n.put("pool", l.pool());
            n.put("mode", l.mode().configName());
            n.put("sniRoutes", l.sniRoutes().size());
            n.put("routes", l.routes().size());
            n.put("clientConnections", runtime.meters().connections());
            n.put("accessLog", l.accessLog().enabled() ? l.accessLog().format().configName() : "off");
            n.put("redirectHttp", l.redirectHttp().map(Object::toString).orElse(null));
            if (l.hsts().isPresent()) {
                n.put("hstsSeconds", l.hsts().get().toSeconds());
            } else {
                n.putNull("hstsSeconds");
            }
            if (l.proxyProtocol().accept()) {
                ArrayNode from = n.putObject("proxyProtocol").putArray("from");
                l.proxyProtocol().from().forEach(range -> from.add(range.toString()));
            } else {
                n.putNull("proxyProtocol");
            }
            ListenerTls tls = runtime.tls();
            if (tls == null) {
                n.putNull("tls");
            } else {
                tls(n.putObject("tls"), tls, now);
            }
        }
        caches(root.putObject("caches"));
        ObjectNode pools = root.putObject("pools");
        for (PoolRuntime p : server.pools().values()) {
            ObjectNode pn = pools.putObject(p.name());
            pn.put("strategy", p.config().strategy().configName());
            pn.put("healthChecks", p.config().health().isPresent());
            pn.put("retries", p.config().retries());
            pn.put("live", p.pool().live().size());
            pn.put("proxyProtocol", p.config().proxyProtocol().map(ProxyProtocolVersion::configName).orElse(null));
            if (p.config().tls().isPresent()) {
                BackendTlsConfig t = p.config().tls().get();
                ObjectNode tn = pn.putObject("tls");
                tn.put("verify", t.verify());
                tn.put("ca", t.ca());
                tn.put("sni", t.sni());
                tn.put("clientCertificate", t.cert());
            } else {
                pn.putNull("tls");
            }
            ArrayNode backends = pn.putArray("backends");
            for (Backend b : p.pool().backends()) {
                backend(backends.addObject(), p, b);
            }
        }
        return root;
    }

    /** One backend, as in /status and in the answers of the backend endpoints. */
    ObjectNode backend(ObjectNode bn, PoolRuntime p, Backend b) {
        BackendMeters m = p.meters().of(b);
        bn.put("address", b.id());
        bn.put("state", b.state().label());
        bn.put("weight", b.weight());
        bn.put("configuredWeight", b.configuredWeight());
        bn.put("backup", b.backup());
        bn.put("origin", b.origin().label());
        bn.put("activeRequests", b.inFlight());
        bn.put("connections", b.connections());
        bn.put("responses", m.responses(0));
        bn.put("serverErrors", m.responses(500));
        bn.put("failures", m.failures());
        health(bn, p, b);
        return bn;
    }

    /**
     * What health says of a backend: {@code drained}, {@code ejectedForMillis}
     * while ejected, {@code checks} (active checks alone: up, down, unchecked;
     * null without checks) and {@code lastCheck} (null without checks or
     * before the first).
     */
    private void health(ObjectNode bn, PoolRuntime p, Backend b) {
        bn.put("drained", p.health().drained(b));
        long ejectedNanos = p.health().ejectedForNanos(b);
        if (ejectedNanos > 0) {
            bn.put("ejectedForMillis", ejectedNanos / 1_000_000);
        }
        HealthCheckSession.Status checks = p.health().checkStatus(b);
        bn.put("checks", checks == null ? null : checks.label());
        LastCheck last = server.healthChecks() == null ? null : server.healthChecks().lastCheck(b);
        if (last == null) {
            bn.putNull("lastCheck");
        } else {
            ObjectNode lc = bn.putObject("lastCheck");
            lc.put("result", last.result().outcome().label());
            lc.put("detail", last.result().detail());
            lc.put("time", last.at().toString());
            lc.put("durationMillis", last.durationMillis());
        }
    }

    /** Each cache: what it holds and what it did since the start. */
    private void caches(ObjectNode n) {
        for (HttpCache c : server.caches().values()) {
            c.cleanUp();
            ObjectNode cn = n.putObject(c.name());
            cn.put("objects", c.objects());
            cn.put("bytes", c.bytes());
            cn.put("memory", c.settings().config().memory());
            cn.put("fetching", c.fetching());
            CacheMeters m = c.meters();
            for (CacheMeters.Outcome o : CacheMeters.Outcome.values()) {
                cn.put(o.name().toLowerCase(java.util.Locale.ROOT), m.count(o));
            }
            cn.put("coalesced", m.coalescedCount());
            cn.put("evictions", m.evictionCount());
            cn.put("purged", m.purgeCount());
        }
    }

    /** The TLS a listener's new connections get: engine, settings and each certificate's names and expiry. */
    private static void tls(ObjectNode n, ListenerTls tls, Instant now) {
        n.put("engine", tls.engine().description());
        n.put("strictSni", tls.config().strictSni());
        n.put("minVersion", tls.config().minVersion().configName());
        n.put("clientAuth", tls.config().clients().map(c -> c.required() ? "required" : "optional").orElse("off"));
        n.put("clientCa", tls.config().clients().map(c -> c.caFile()).orElse(null));
        ArrayNode certificates = n.putArray("certificates");
        for (TlsCertificate c : tls.config().certificates()) {
            ObjectNode cn = certificates.addObject();
            cn.put("cert", c.certFile());
            cn.put("key", c.keyFile());
            cn.put("subject", c.leaf().getSubjectX500Principal().getName());
            ArrayNode names = cn.putArray("names");
            c.names().forEach(names::add);
            cn.put("keyType", c.key().getAlgorithm().equals("EC") ? "ECDSA" : c.key().getAlgorithm());
            Instant notAfter = c.leaf().getNotAfter().toInstant();
            cn.put("notAfter", notAfter.toString());
            cn.put("secondsLeft", Duration.between(now, notAfter).toSeconds());
            if (c.ocsp().isEmpty()) {
                cn.putNull("ocsp");
            } else {
                ObjectNode ocsp = cn.putObject("ocsp");
                ocsp.put("file", c.ocsp().get().file());
                ocsp.put("stapled", tls.stapling(c));
                Instant next = c.ocsp().get().nextUpdate();
                ocsp.put("nextUpdate", next == null ? null : next.toString());
                if (next == null) {
                    ocsp.putNull("secondsToNextUpdate");
                } else {
                    ocsp.put("secondsToNextUpdate", Duration.between(now, next).toSeconds());
                }
            }
        }
    }

    /** With failover.mode: announce, where the node stands toward the router; absent otherwise. */
    private static void announce(ObjectNode root, Announcer.Status a) {
        if (a == null) {
            return;
        }
        ObjectNode n = root.putObject("announce");
        n.put("state", a.state());
        n.put("reason", a.reason());
        n.put("announced", a.announced());
        ArrayNode vips = n.putArray("vips");
        a.vips().forEach(vips::add);
        n.put("daemon", a.daemon());
        n.put("announces", a.announces());
        n.put("withdraws", a.withdraws());
        n.put("lastError", a.lastError());
    }

    private static void failover(ObjectNode n, FailoverStatus f, WarmStandby.Snapshot warm) {
        n.put("role", f.role());
        n.put("node", f.node());
        n.put("priority", f.priority());
        n.put("peer", f.peer());
        n.put("peerRole", f.peerRole());
        n.put("master", f.master());
        n.put("vipsHeld", f.vipsHeld());
        n.put("since", f.since());
        n.put("reason", f.reason());
        n.put("peerSeen", f.peerSeen());
        if (f.node() == null) {
            return;
        }
        n.put("ready", f.ready());
        n.put("notReady", f.notReady());
        if (f.peerReady() == null) {
            n.putNull("peerReady");
        } else {
            n.put("peerReady", f.peerReady());
        }
        n.put("handingOver", f.handingOver());
        n.put("preemptHeld", f.preemptHeld());
        if (warm != null) {
            ObjectNode w = n.putObject("warmUp");
            w.put("state", warm.state());
            w.put("startRequests", warm.startRequests());
            w.put("sent", warm.sent());
            w.put("ok", warm.ok());
            w.put("failed", warm.failed());
            w.put("warmMillis", warm.warmMillis());
            w.put("intervalMillis", warm.intervalMillis());
        }
    }
}
