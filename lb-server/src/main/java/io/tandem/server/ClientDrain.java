package io.tandem.server;

import io.netty.channel.Channel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.tandem.server.proxy.ShutdownEvent;
import java.time.Duration;

/**
 * Every client connection of the node's listeners (they join {@link #group}
 * as they are accepted and leave as they close), and their drain: each is told
 * on its own event loop, by a {@link ShutdownEvent} through its pipeline, to
 * close now when idle or after its current response (sent with
 * {@code Connection: close}). Any thread.
 */
final class ClientDrain {

    private final ChannelGroup clients;

    ClientDrain() {
        this(new DefaultChannelGroup("clients", GlobalEventExecutor.INSTANCE));
    }

    ClientDrain(ChannelGroup clients) {
        this.clients = clients;
    }

    /** The group accepted client connections join. */
    ChannelGroup group() {
        return clients;
    }

    /** How many client connections are open. */
    int open() {
        return clients.size();
    }

    /** Tells every open client connection to finish: idle ones close, busy ones after their response. */
    void drain() {
        for (Channel ch : clients) {
            ch.eventLoop().execute(() -> ch.pipeline().fireUserEventTriggered(ShutdownEvent.INSTANCE));
        }
    }

    /**
     * Waits, looking every 10 ms, until every client connection closed or {@code timeout} passed (the
     * daemon's {@code shutdown-timeout}); returns how many are still open. Never on an event loop.
     */
    int awaitClosed(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!clients.isEmpty() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return clients.size();
    }

    /** Closes every client connection now, and waits for it. */
    void close() {
        clients.close().awaitUninterruptibly();
    }
}
