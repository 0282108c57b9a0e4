package io.tandem.core.pool;

import io.tandem.config.HostPort;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One backend server of a pool: its identity from the config, its live
 * state, and the counters the strategies and metrics read.
 *
 * <p>Thread-safe: state and weight are written by the pool's control thread
 * (health, admin, reload) and read by the event loops; {@link #inFlight()} is
 * changed by every event loop.
 */
public final class Backend {

    private final String id;
    private final HostPort address;
    private final InetSocketAddress socketAddress;
    private final boolean backup;
    private volatile int configuredWeight;
    private volatile int weight;
    private volatile BackendState state = BackendState.UP;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger connections = new AtomicInteger();
    private volatile boolean retired;

    public Backend(HostPort address, int weight, boolean backup) {
        this.id = address.toString();
        this.address = address;
        // Resolved once, like nginx: a name that does not resolve gives an
        // unresolved address, and connecting to it fails (502), not the start.
        this.socketAddress = address.resolve();
        this.backup = backup;
        this.configuredWeight = weight;
        this.weight = weight;
    }

    /** The backend's name in the admin API, metrics and logs: its address as configured. */
    public String id() {
        return id;
    }

    public HostPort address() {
        return address;
    }

    /** The address to connect to, resolved when the backend was built. */
    public InetSocketAddress socketAddress() {
        return socketAddress;
    }

    public boolean backup() {
        return backup;
    }

    public int configuredWeight() {
        return configuredWeight;
    }

    void configuredWeight(int weight) {
        this.configuredWeight = weight;
    }

    /** The current weight (configured, changed at runtime, or ramped by slow start). */
    public int weight() {
        return weight;
    }

    void weight(int weight) {
        this.weight = weight;
    }

    public BackendState state() {
        return state;
    }

    void state(BackendState state) {
        this.state = state;
    }

    /** Requests sent to this backend whose response has not ended. */
    public int inFlight() {
        return inFlight.get();
    }

    /** Called by the proxy when a request is sent to this backend. */
    public void requestStarted() {
        inFlight.incrementAndGet();
    }

    /** Called by the proxy when that request's exchange ends, however it ends. */
    public void requestEnded() {
        inFlight.decrementAndGet();
    }

    /** Open connections to this backend, busy and idle, from every event loop. */
    public int connections() {
        return connections.get();
    }

    /** Called by the proxy when a connection to this backend opens. */
    public void connectionOpened() {
        connections.incrementAndGet();
    }

    /** Called by the proxy when that connection closes. */
    public void connectionClosed() {
        connections.decrementAndGet();
    }

    /**
     * True once a reload removed this backend: requests in flight finish, but
     * its connections are closed rather than kept for reuse.
     */
    public boolean retired() {
        return retired;
    }

    /** Marks the backend removed by a reload. Repeating is harmless. */
    public void retire() {
        retired = true;
    }

    @Override
    public String toString() {
        return id;
    }
}
