package io.tandem.server.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import io.tandem.config.HostPort;
import io.tandem.core.pool.Backend;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/**
 * The idle backend connections private to a client (PROXY protocol to backends): kept per backend, closed
 * with the client connection, and closed when their backend is drained or removed, like the shared ones.
 * The calling thread stands for the event loop whose {@link BackendConnections} the sets register with.
 */
class PrivateConnectionsTest {

    private final Backend a = new Backend(new HostPort("10.0.0.1", 80), 1, false);
    private final Backend b = new Backend(new HostPort("10.0.0.2", 80), 1, false);

    private static PrivateConnections client(int port) {
        return new PrivateConnections(new InetSocketAddress("203.0.113.1", port),
                new InetSocketAddress("192.0.2.1", 443));
    }

    @Test
    void aDrainedBackendLosesTheIdleConnectionsOfEveryClient() {
        PrivateConnections one = client(40001);
        PrivateConnections two = client(40002);
        EmbeddedChannel oneA = new EmbeddedChannel();
        EmbeddedChannel oneB = new EmbeddedChannel();
        EmbeddedChannel twoA = new EmbeddedChannel();
        one.offer(a, oneA);
        one.offer(b, oneB);
        two.offer(a, twoA);

        BackendConnections.current().closeAll(a);

        assertThat(oneA.isOpen()).isFalse();
        assertThat(twoA.isOpen()).isFalse();
        assertThat(oneB.isOpen()).isTrue();
        assertThat(one.poll(a)).isNull();
        assertThat(two.poll(a)).isNull();
        assertThat(one.poll(b)).isSameAs(oneB);
        one.closeAll();
        two.closeAll();
    }

    @Test
    void aClosedClientIsForgottenAndClosesWhatComesBackLater() {
        PrivateConnections gone = client(40003);
        PrivateConnections staying = client(40004);
        EmbeddedChannel goneA = new EmbeddedChannel();
        EmbeddedChannel stayingA = new EmbeddedChannel();
        gone.offer(a, goneA);
        staying.offer(a, stayingA);

        gone.closeAll();
        assertThat(goneA.isOpen()).isFalse();
        assertThat(stayingA.isOpen()).isTrue();

        // A connection that finished a response for the client after it left closes instead of waiting.
        EmbeddedChannel late = new EmbeddedChannel();
        gone.offer(b, late);
        assertThat(late.isOpen()).isFalse();

        BackendConnections.current().closeAll(a);
        assertThat(stayingA.isOpen()).isFalse();
        staying.closeAll();
    }

    @Test
    void aSecondIdleConnectionToTheSameBackendReplacesTheFirst() {
        PrivateConnections client = client(40005);
        EmbeddedChannel first = new EmbeddedChannel();
        EmbeddedChannel second = new EmbeddedChannel();
        client.offer(a, first);
        client.offer(a, second);
        assertThat(first.isOpen()).isFalse();
        assertThat(client.poll(a)).isSameAs(second);
        assertThat(client.poll(a)).isNull();
        client.closeAll();
        assertThat(second.isOpen()).isTrue();
    }
}
