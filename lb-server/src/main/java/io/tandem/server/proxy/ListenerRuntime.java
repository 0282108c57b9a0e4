package io.tandem.server.proxy;

import io.tandem.server.metrics.ProxyMetrics;

/**
 * What a listener's connections share: its current routing (replaced whole on
 * reload, read once per request) and the settings of the data path.
 */
public final class ListenerRuntime {

    private final String name;
    private final ProxyMetrics metrics;
    private final io.tandem.server.Transport transport;
    private final io.netty.channel.group.ChannelGroup clients;
    private volatile Routing routing;

    /** @param clients where every accepted client connection is registered (for graceful shutdown) */
    public ListenerRuntime(String name, Routing routing, ProxyMetrics metrics, io.tandem.server.Transport transport,
                           io.netty.channel.group.ChannelGroup clients) {
        this.name = name;
        this.clients = clients;
        this.routing = routing;
        this.metrics = metrics;
        this.transport = transport;
    }

    public String name() {
        return name;
    }

    public Routing routing() {
        return routing;
    }

    public void routing(Routing routing) {
        this.routing = routing;
    }

    public ProxyMetrics metrics() {
        return metrics;
    }

    public io.netty.channel.group.ChannelGroup clients() {
        return clients;
    }

    public io.tandem.server.Transport transport() {
        return transport;
    }
}
