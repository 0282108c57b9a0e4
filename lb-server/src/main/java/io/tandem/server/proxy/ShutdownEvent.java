package io.tandem.server.proxy;

/** Fired through every client connection's pipeline when the daemon starts a graceful shutdown. */
public final class ShutdownEvent {

    public static final ShutdownEvent INSTANCE = new ShutdownEvent();

    private ShutdownEvent() {}
}
