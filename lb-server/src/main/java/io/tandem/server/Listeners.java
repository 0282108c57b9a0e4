package io.tandem.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.tandem.config.HostPort;
import io.tandem.config.ListenerConfig;
import io.tandem.config.TandemConfig;
import io.tandem.server.metrics.ProxyMetrics;
import io.tandem.server.proxy.ListenerRuntime;
import io.tandem.server.proxy.PoolRuntime;
import io.tandem.server.proxy.ProxyInitializer;
import io.tandem.server.proxy.Routing;
import io.tandem.server.redirect.RedirectListener;
import io.tandem.server.tls.ListenerTls;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's listening sockets: one per configured listener, with the
 * {@link ProxyInitializer} of its {@link ListenerRuntime}, and the plain
 * {@code redirect-http} companions of TLS listeners. {@link #bind} also binds
 * the warm standby's private listeners the same way.
 *
 * <p>A reload goes in two steps: {@link #bindNew} binds what is new or moved
 * beside the running sockets (if one cannot bind, those bound close and
 * nothing changed), then {@link #commit}, which cannot fail, re-points the
 * kept listeners at their new routing and TLS, puts the new ones in force and
 * closes the dropped ones (their open connections finish on the routing they
 * have). Called under {@link TandemServer}'s lock; the heartbeat thread reads
 * {@link #notBound} from a snapshot.
 */
final class Listeners {

    private static final Logger log = LoggerFactory.getLogger(TandemServer.class);

    /** A bound {@code redirect-http} listener: its pipeline (whose target a reload updates) and its channel. */
    private record BoundRedirect(RedirectListener listener, Channel channel, HostPort from) {}

    /** What {@link #bindNew} bound for a reload, put in force by {@link #commit} or closed. */
    static final class Opened {
        private final Map<String, BoundListener> listeners = new LinkedHashMap<>();
        private final Map<String, BoundRedirect> redirects = new LinkedHashMap<>();

        /** The reload is refused after all: what was bound for it closes. */
        void close() {
            redirects.values().forEach(r -> r.channel().close().awaitUninterruptibly());
            listeners.values().forEach(b -> b.channel().close().awaitUninterruptibly());
        }
    }

    /** A socket of a reload could not bind: {@link #getMessage} is the problem, as {@code reload} reports it. */
    static final class BindFailed extends Exception {
        BindFailed(String problem) {
            super(problem, null, false, false);
        }
    }

    private final Transport transport;
    private final EventLoopGroup workerGroup;
    private final ProxyMetrics metrics;
    /** Every client connection of every listener, for the drain. */
    private final ChannelGroup clients;
    private final Map<String, BoundListener> listeners = new LinkedHashMap<>();
    /** The plain listeners of {@code redirect-http}, by the name of the TLS listener they redirect to. */
    private final Map<String, BoundRedirect> redirects = new LinkedHashMap<>();
    /** The bound listeners for the heartbeat thread's tracking, replaced as a whole (never locked). */
    private volatile List<BoundListener> tracked = List.of();

    /**
     * @param workerGroup the I/O loops: each listening socket is registered on one of them and accepts there,
     *                    and its connections are spread over all of them
     */
    Listeners(Transport transport, EventLoopGroup workerGroup, ProxyMetrics metrics, ChannelGroup clients) {
        this.transport = transport;
        this.workerGroup = workerGroup;
        this.metrics = metrics;
        this.clients = clients;
    }

    /**
     * Binds every listener of {@code config} with its routing (by name) and TLS (null: plain), then the
     * redirect-http companions; throws as soon as one cannot bind (the caller closes everything).
     */
    void start(TandemConfig config, Map<String, Routing> routings, Map<String, ListenerTls> tls)
            throws InterruptedException {
        for (ListenerConfig l : config.listeners()) {
            ListenerTls t = tls.get(l.name());
            BoundListener bound = bind(l, routings.get(l.name()), clients, t);
            listeners.put(l.name(), bound);
            log.info("listener {} on {} ({}pool {}, transport {}{})", l.name(), bound.channel().localAddress(),
                    l.tcp() ? "mode tcp, " : "", l.pool(), transport.name(),
                    t == null ? "" : ", TLS " + t.engine().description() + " with "
                            + t.config().certificates().size() + " certificate(s)");
        }
        tracked = List.copyOf(listeners.values());
        for (ListenerConfig l : config.listeners()) {
            if (l.redirectHttp().isPresent()) {
                BoundRedirect r = bindRedirect(l);
                redirects.put(l.name(), r);
                log.info("listener {}: redirect-http on {} to https port {}", l.name(),
                        r.channel().localAddress(), l.bind().port());
            }
        }
    }

    /**
     * Binds the listeners of {@code next} that are new or on another address, then the new or moved
     * redirect-http ones; the running sockets are untouched. On failure what was bound here is closed.
     */
    Opened bindNew(TandemConfig next, Map<String, Routing> routings, Map<String, ListenerTls> nextTls)
            throws BindFailed {
        Opened opened = new Opened();
        for (ListenerConfig l : next.listeners()) {
            BoundListener current = listeners.get(l.name());
            if (current != null && current.bind().equals(l.bind())) {
                continue;
            }
            try {
                opened.listeners.put(l.name(), bind(l, routings.get(l.name()), clients, nextTls.get(l.name())));
            } catch (Exception e) {
                opened.close();
                throw new BindFailed("listeners." + l.name() + ": cannot bind " + l.bind() + ": " + describe(e));
            }
        }
        for (ListenerConfig l : next.listeners()) {
            HostPort from = l.redirectHttp().orElse(null);
            BoundRedirect current = redirects.get(l.name());
            if (from == null || (current != null && current.from().equals(from))) {
                continue;
            }
            try {
                opened.redirects.put(l.name(), bindRedirect(l));
            } catch (Exception e) {
                opened.close();
                throw new BindFailed("listeners." + l.name() + ".redirect-http: cannot bind " + from + ": "
                        + describe(e));
            }
        }
        return opened;
    }

    /**
     * Puts the listeners of {@code next} in force ({@code previous}: the config they replace): the
     * {@code opened} ones join or replace, the kept ones take their new routing and TLS, the dropped ones
     * stop accepting. Each change is added to {@code changes} for the reload's summary.
     */
    void commit(TandemConfig previous, TandemConfig next, Opened opened, Map<String, Routing> routings,
                Map<String, ListenerTls> nextTls, List<String> changes) {
        Map<String, BoundListener> nextListeners = new LinkedHashMap<>();
        for (ListenerConfig l : next.listeners()) {
            BoundListener current = listeners.get(l.name());
            BoundListener fresh = opened.listeners.get(l.name());
            if (fresh != null) {
                nextListeners.put(l.name(), fresh);
                changes.add(current == null ? "+listener " + l.name() : "~listener " + l.name() + " now on " + l.bind());
            } else {
                if (!Objects.equals(current.runtime().routing().listener().tls(), l.tls())) {
                    changes.add("~tls " + l.name());
                }
                current.runtime().tls(nextTls.get(l.name()));
                current.runtime().routing(routings.get(l.name()));
                nextListeners.put(l.name(), current);
            }
        }
        for (Map.Entry<String, BoundListener> e : listeners.entrySet()) {
            BoundListener replacedBy = nextListeners.get(e.getKey());
            if (replacedBy != e.getValue()) {
                // Stop accepting; its open connections finish on the routing they have.
                e.getValue().channel().close();
                if (replacedBy == null) {
                    changes.add("-listener " + e.getKey());
                }
            }
        }
        for (ListenerConfig l : previous.listeners()) {
            if (l.tls().isPresent() && !nextTls.containsKey(l.name())) {
                metrics.tls(l.name()).certificates(Map.of()); // no longer TLS: no expiry to watch
            }
        }
        nextTls.values().forEach(ListenerTls::publishExpiry);
        listeners.clear();
        listeners.putAll(nextListeners);
        swapRedirects(next, opened.redirects, changes);
        tracked = List.copyOf(listeners.values());
    }

    /** A runtime change of backends: every listener's routing keeps its routes and their limits, on {@code pools}. */
    void repoint(Map<String, PoolRuntime> pools) {
        for (BoundListener l : listeners.values()) {
            l.runtime().routing(l.runtime().routing().withPools(pools));
        }
    }

    /**
     * Puts the redirects of {@code next} in force: new ones (already bound) replace or join the running
     * ones, kept ones redirect to their listener as {@code next} configures it, dropped ones close.
     */
    private void swapRedirects(TandemConfig next, Map<String, BoundRedirect> opened, List<String> changes) {
        Map<String, BoundRedirect> kept = new LinkedHashMap<>();
        for (ListenerConfig l : next.listeners()) {
            BoundRedirect fresh = opened.get(l.name());
            BoundRedirect current = redirects.get(l.name());
            if (fresh != null) {
                kept.put(l.name(), fresh);
                changes.add("+redirect-http " + l.name() + " on " + fresh.from());
            } else if (l.redirectHttp().isPresent()) {
                current.listener().update(l);
                kept.put(l.name(), current);
            }
        }
        for (Map.Entry<String, BoundRedirect> e : redirects.entrySet()) {
            if (kept.get(e.getKey()) != e.getValue()) {
                e.getValue().channel().close();
                changes.add("-redirect-http " + e.getKey() + " on " + e.getValue().from());
            }
        }
        redirects.clear();
        redirects.putAll(kept);
    }

    /** Why the node cannot serve as far as its listeners go (one is no longer bound), or null. Any thread. */
    String notBound() {
        for (BoundListener l : tracked) {
            if (!l.channel().isActive()) {
                return "listener " + l.runtime().name() + " is not bound";
            }
        }
        return null;
    }

    /** The TLS of the listener named {@code name}, or null (plain, or no such listener). */
    ListenerTls tls(String name) {
        BoundListener l = listeners.get(name);
        return l == null ? null : l.runtime().tls();
    }

    List<ListenerRuntime> runtimes() {
        List<ListenerRuntime> out = new ArrayList<>();
        listeners.values().forEach(l -> out.add(l.runtime()));
        return out;
    }

    /** The address the listener named {@code name} is bound to, or null. */
    InetSocketAddress address(String name) {
        BoundListener l = listeners.get(name);
        return l == null ? null : (InetSocketAddress) l.channel().localAddress();
    }

    /** Closes every listening socket, and waits: new connections are refused, open ones go on. */
    void stopAccepting() {
        for (BoundListener l : listeners.values()) {
            l.channel().close().awaitUninterruptibly();
        }
        for (BoundRedirect r : redirects.values()) {
            r.channel().close().awaitUninterruptibly();
        }
    }

    /**
     * A server socket on this node's loops and transport, with the options every listener has. It accepts on an
     * I/O loop, not on a thread of its own: a connection accepted there is served there without a hand-off
     * between threads (about 12 µs of CPU per connection less on one core; docs/benchmarks.md, "Accepting on
     * the I/O loops").
     */
    private ServerBootstrap serverBootstrap() {
        return new ServerBootstrap()
                .group(workerGroup, workerGroup)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 4096)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.ALLOCATOR, Buffers.ALLOCATOR);
    }

    /** Binds the plain listener of {@code l}'s {@code redirect-http}. */
    private BoundRedirect bindRedirect(ListenerConfig l) throws InterruptedException {
        RedirectListener redirect = new RedirectListener(l);
        HostPort from = l.redirectHttp().orElseThrow();
        Channel ch = serverBootstrap()
                .childHandler(redirect)
                .bind(from.resolve()).sync().channel();
        return new BoundRedirect(redirect, ch, from);
    }

    /** Binds a plain listener with this node's transport and pipeline; its connections join {@code group}. */
    BoundListener bind(ListenerConfig l, Routing routing, ChannelGroup group) throws InterruptedException {
        return bind(l, routing, group, null);
    }

    /** Binds {@code l}, with {@code tls} unless it is null; its connections join {@code group}. */
    BoundListener bind(ListenerConfig l, Routing routing, ChannelGroup group, ListenerTls tls)
            throws InterruptedException {
        ListenerRuntime runtime = new ListenerRuntime(l.name(), routing, metrics, transport, group);
        runtime.tls(tls);
        ServerBootstrap b = serverBootstrap()
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(32 * 1024, 64 * 1024))
                .childHandler(new ProxyInitializer(runtime));
        if (transport.freebind() != null) {
            // A listener may bind a VIP this node does not hold yet: no rebind when it takes the VIP over.
            b.option(transport.freebind(), true);
        }
        Channel ch = b.bind(l.bind().resolve()).sync().channel();
        runtime.acceptor(ch);
        return new BoundListener(runtime, ch, l.bind());
    }

    static String describe(Throwable e) {
        String message = e.getMessage();
        return e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }
}
