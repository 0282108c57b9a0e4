package io.tandem.core.pool;

import io.tandem.config.BackendOrigin;
import io.tandem.config.HostPort;
import io.tandem.core.hash.KeyHash;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
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
    private final String stickyId;
    private volatile int weight;
    private volatile int effectiveWeight;
    /**
     * When slow start began ramping this backend (pool clock), or
     * {@link Long#MIN_VALUE} when not ramping. Guarded by the pool's lock.
     */
    private long rampStartNanos = Long.MIN_VALUE;
    private volatile BackendState state = BackendState.UP;
    private final AtomicInteger connections = new AtomicInteger();
    private volatile boolean retired;
    private volatile BackendOrigin origin = BackendOrigin.FILE;
    /**
     * A field behind a VarHandle rather than an AtomicInteger: least-connections
     * reads every backend's count on every pick, and this saves a pointer hop.
     */
    private volatile int inFlight;
    private static final VarHandle IN_FLIGHT;

    static {
        try {
            IN_FLIGHT = MethodHandles.lookup().findVarHandle(Backend.class, "inFlight", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * Effective weights are in 1/16ths of a configured weight (as HAProxy's
     * BE_WEIGHT_SCALE), so slow start can ramp even a weight-1 backend in steps.
     */
    public static final int WEIGHT_SCALE = 16;

    public Backend(HostPort address, int weight, boolean backup) {
        this(address, weight, backup, null, BackendOrigin.FILE);
    }

    /**
     * @param stickyId the sticky cookie value naming this backend, or null for the one derived from its address
     * @param origin   where it came from (file, admin API, DNS); a reload may change it ({@link #origin(BackendOrigin)})
     */
    public Backend(HostPort address, int weight, boolean backup, String stickyId, BackendOrigin origin) {
        this.id = address.toString();
        this.origin = origin;
        this.address = address;
        // Resolved once, like nginx: a name that does not resolve gives an
        // unresolved address, and connecting to it fails (502), not the start.
        this.socketAddress = address.resolve();
        this.backup = backup;
        this.configuredWeight = weight;
        this.weight = weight;
        this.effectiveWeight = weight * WEIGHT_SCALE;
        // Opaque but stable: the same on both nodes of a pair and across restarts,
        // and it does not tell clients the backend's address.
        this.stickyId = stickyId != null ? stickyId : derivedStickyId(address);
    }

    /** The sticky cookie value of a backend at {@code address} that was given none. */
    public static String derivedStickyId(HostPort address) {
        return String.format("%016x", KeyHash.of("tandem-sticky:" + address));
    }

    /** Where this backend came from: the config file, the admin API or a DNS answer. */
    public BackendOrigin origin() {
        return origin;
    }

    /** A reload found the backend under another origin (the file now names an address the API added). */
    public void origin(BackendOrigin origin) {
        this.origin = origin;
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

    /** The operator's weight: as configured, or as changed at runtime (0 takes it out of rotation). */
    public int weight() {
        return weight;
    }

    void weight(int weight) {
        this.weight = weight;
    }

    /**
     * The weight the weighted strategies use, in units of 1/{@link #WEIGHT_SCALE}:
     * {@code weight() * WEIGHT_SCALE}, less while slow start ramps the backend up.
     */
    public int effectiveWeight() {
        return effectiveWeight;
    }

    void effectiveWeight(int effectiveWeight) {
        this.effectiveWeight = effectiveWeight;
    }

    long rampStartNanos() {
        return rampStartNanos;
    }

    void rampStartNanos(long nanos) {
        this.rampStartNanos = nanos;
    }

    /** The sticky-session cookie value naming this backend: 16 hex digits (or as the admin API set it), not its address. */
    public String stickyId() {
        return stickyId;
    }

    public BackendState state() {
        return state;
    }

    void state(BackendState state) {
        this.state = state;
    }

    /** Requests sent to this backend whose response has not ended. */
    public int inFlight() {
        return inFlight;
    }

    /** Called by the proxy when a request is sent to this backend. */
    public void requestStarted() {
        IN_FLIGHT.getAndAdd(this, 1);
    }

    /** Called by the proxy when that request's exchange ends, however it ends. */
    public void requestEnded() {
        IN_FLIGHT.getAndAdd(this, -1);
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
