package io.tandem.server.proxy;

import io.tandem.server.metrics.ProxyMetrics;

/**
 * What a listener's connections share: its current routing (replaced whole on
 * reload, read once per request) and the settings of the data path.
 */
public final class ListenerRuntime {

    private final String name;
    private final int index;
    private final ProxyMetrics metrics;
    private final io.tandem.server.Transport transport;
    private volatile Routing routing;

    public ListenerRuntime(String name, int index, Routing routing, ProxyMetrics metrics,
                           io.tandem.server.Transport transport) {
        this.name = name;
        this.index = index;
        this.routing = routing;
        this.metrics = metrics;
        this.transport = transport;
    }

    public String name() {
        return name;
    }

    /** Position of the listener in the config; indexes per-listener meters. */
    public int index() {
        return index;
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

    public io.tandem.server.Transport transport() {
        return transport;
    }
}
