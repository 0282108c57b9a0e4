package io.tandem.server.proxy;

import io.netty.channel.Channel;
import io.netty.channel.group.ChannelGroup;
import io.tandem.server.Transport;
import io.tandem.server.metrics.ListenerMeters;
import io.tandem.server.metrics.ProxyMetrics;
import io.tandem.server.tls.ListenerTls;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What a listener's connections share: its current routing (replaced whole on
 * reload, read once per request; it carries the access log too), its TLS
 * (replaced whole on reload, read once per connection), its meters, and the
 * settings of the data path.
 */
public final class ListenerRuntime {

    private final String name;
    private final ProxyMetrics metrics;
    private final ListenerMeters meters;
    private final ClientTraffic traffic;
    private final Transport transport;
    private final ChannelGroup clients;
    private final BackendConnector connector;
    private volatile Routing routing;
    private volatile ListenerTls tls;
    /** Open client connections, for the listener's connection cap. */
    private final AtomicInteger open = new AtomicInteger();
    private volatile Channel acceptor;
    /** Whether {@link #updateAccepting} stopped the acceptor at the cap; written on its event loop only. */
    private volatile boolean acceptPaused;

    /** @param clients where every accepted client connection is registered (for graceful shutdown) */
    public ListenerRuntime(String name, Routing routing, ProxyMetrics metrics, Transport transport,
                           ChannelGroup clients) {
        this(name, routing, metrics, transport, clients, BackendConnector.of(transport));
    }

    /** With the way to backends given (tests hand {@code EmbeddedChannel}s). */
    ListenerRuntime(String name, Routing routing, ProxyMetrics metrics, Transport transport, ChannelGroup clients,
                    BackendConnector connector) {
        this.connector = connector;
        this.name = name;
        this.clients = clients;
        this.routing = routing;
        this.metrics = metrics;
        this.meters = metrics.listener(name);
        this.traffic = metrics.requestMetrics() ? new ClientTraffic(meters) : null;
        this.transport = transport;
        meters.limitTables(() -> this.routing.limitClients(), () -> this.routing.limitEvictions());
    }

    /**
     * Counts a new client connection unless {@code cap} (0: none) connections are
     * open already; false means the connection must be closed. Every true is
     * matched by one {@link #connectionClosed()}. Reaching the cap stops the
     * listener accepting (see {@link #updateAccepting}), so that a connection
     * over it is refused only when it came in the same batch of accepts.
     */
    boolean connectionOpened(int cap) {
        while (true) {
            int n = open.get();
            if (cap > 0 && n >= cap) {
                return false;
            }
            if (open.compareAndSet(n, n + 1)) {
                if (cap > 0 && n + 1 >= cap) {
                    scheduleAcceptingUpdate();
                }
                return true;
            }
        }
    }

    void connectionClosed() {
        open.decrementAndGet();
        if (acceptPaused) {
            scheduleAcceptingUpdate();
        }
    }

    /**
     * The listening socket whose accepting {@link #updateAccepting} pauses at the connection cap; set once
     * it is bound.
     */
    public void acceptor(Channel channel) {
        this.acceptor = channel;
        scheduleAcceptingUpdate();
    }

    private void scheduleAcceptingUpdate() {
        Channel a = acceptor;
        if (a != null) {
            a.eventLoop().execute(this::updateAccepting);
        }
    }

    /**
     * At the connection cap the listener stops accepting, as HAProxy's {@code maxconn} does: new
     * connections wait in the kernel's accept queue (the backlog) until one closes, instead of being
     * accepted and closed. Runs on the acceptor's event loop only, and decides from the count as it is
     * then, so pauses and resumes scheduled from several loops end in the right state whatever their order.
     */
    private void updateAccepting() {
        Channel a = acceptor;
        int cap = routing.maxConnections();
        boolean full = cap > 0 && open.get() >= cap;
        if (full != acceptPaused && a.isOpen()) {
            acceptPaused = full;
            a.config().setAutoRead(!full);
        }
    }

    public String name() {
        return name;
    }

    public Routing routing() {
        return routing;
    }

    public void routing(Routing routing) {
        this.routing = routing;
        // The cap may have changed: accept again below a raised one, stop at a lowered one.
        scheduleAcceptingUpdate();
    }

    /** The TLS new connections get, or null for a plain HTTP listener. */
    public ListenerTls tls() {
        return tls;
    }

    public void tls(ListenerTls tls) {
        this.tls = tls;
    }

    public ProxyMetrics metrics() {
        return metrics;
    }

    public ListenerMeters meters() {
        return meters;
    }

    /** The byte and connection counter of this listener's pipelines, or null when request metrics are off. */
    ClientTraffic traffic() {
        return traffic;
    }

    /** How this listener's exchanges reach backends. */
    BackendConnector connector() {
        return connector;
    }

    public ChannelGroup clients() {
        return clients;
    }

    public Transport transport() {
        return transport;
    }
}
