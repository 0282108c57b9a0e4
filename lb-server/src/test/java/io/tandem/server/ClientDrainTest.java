package io.tandem.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.DefaultChannelId;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.ImmediateEventExecutor;
import io.tandem.server.proxy.ShutdownEvent;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The drain: each client connection hears the shutdown on its own loop; what stays open is counted. */
class ClientDrainTest {

    /** A client connection that closes when told to drain, as an idle FrontendHandler does. */
    private static EmbeddedChannel idle() {
        // Each its own id: a channel group holds channels by id, and embedded ones share one by default.
        return new EmbeddedChannel(DefaultChannelId.newInstance(), new ChannelInboundHandlerAdapter() {
            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                if (evt == ShutdownEvent.INSTANCE) {
                    ctx.close();
                }
            }
        });
    }

    // Idle connections close when their loop runs the drain; a busy one (no close yet) is what is left.
    @Test
    void idleConnectionsCloseAndBusyOnesAreCounted() {
        ClientDrain drain = new ClientDrain(new DefaultChannelGroup(ImmediateEventExecutor.INSTANCE));
        EmbeddedChannel a = idle();
        EmbeddedChannel b = idle();
        EmbeddedChannel busy = new EmbeddedChannel(DefaultChannelId.newInstance());
        drain.group().add(a);
        drain.group().add(b);
        drain.group().add(busy);
        assertThat(drain.open()).isEqualTo(3);
        drain.drain();
        a.runPendingTasks();
        b.runPendingTasks();
        busy.runPendingTasks();
        assertThat(a.isOpen()).isFalse();
        assertThat(b.isOpen()).isFalse();
        assertThat(drain.awaitClosed(Duration.ZERO)).isEqualTo(1);
        drain.close();
        assertThat(busy.isOpen()).isFalse();
        assertThat(drain.open()).isZero();
        assertFalse(a.finishAndReleaseAll());
        assertFalse(b.finishAndReleaseAll());
        assertFalse(busy.finishAndReleaseAll());
    }
}
