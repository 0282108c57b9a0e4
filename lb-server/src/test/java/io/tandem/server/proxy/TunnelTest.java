package io.tandem.server.proxy;

import static io.tandem.server.proxy.ProxyHarness.bytes;
import static io.tandem.server.proxy.ProxyHarness.written;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

/** An upgrade the backend accepts: the 101, then raw bytes both ways through a tunnel on each side. */
class TunnelTest {

    private static final String UPGRADE = "GET /ws HTTP/1.1\r\nHost: chat.example\r\nX-Request-Id: req-1\r\n"
            + "Connection: Upgrade\r\nUpgrade: websocket\r\n\r\n";

    private final ProxyHarness h = new ProxyHarness(1, 0);
    private final EmbeddedChannel client = h.client();
    private EmbeddedChannel backend;

    private void upgrade() {
        client.writeInbound(bytes(UPGRADE));
        backend = h.opened.get(0);
        assertThat(written(backend)).isEqualTo("GET /ws HTTP/1.1\r\nHost: chat.example\r\nX-Request-Id: req-1\r\n"
                + "upgrade: websocket\r\nconnection: upgrade\r\nx-forwarded-for: 192.0.2.7\r\n"
                + "x-forwarded-proto: http\r\nx-forwarded-host: chat.example\r\n"
                + "forwarded: for=192.0.2.7;proto=http;host=\"chat.example\"\r\n\r\n");
        backend.writeInbound(bytes("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"));
        // A 101 is passed on with its Upgrade and Connection: upgrade, and nothing added.
        assertThat(written(client)).isEqualTo("HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\n"
                + "connection: upgrade\r\n\r\n");
        assertThat(client.pipeline().get(Tunnel.class)).isNotNull();
        assertThat(backend.pipeline().get(Tunnel.class)).isNotNull();
    }

    /** Closes the client: the backend closes after an empty flush (close on flush). */
    private void closeClient() {
        client.close();
        backend.runPendingTasks();
        assertThat(written(backend)).isEmpty();
        assertThat(backend.isActive()).isFalse();
    }

    // After the 101 the bytes of each side reach the other unchanged.
    @Test
    void bytesGoBothWaysUnchanged() {
        upgrade();
        client.writeInbound(bytes("\u0081\u0002hi"));
        assertThat(written(backend)).isEqualTo("\u0081\u0002hi");
        backend.writeInbound(bytes("\u0081\u0003hey"));
        assertThat(written(client)).isEqualTo("\u0081\u0003hey");
        closeClient();
        assertFalse(client.finishAndReleaseAll());
        assertFalse(h.finishBackends());
    }

    // The backend closing closes the client once its bytes are flushed.
    @Test
    void backendCloseClosesTheClient() {
        upgrade();
        backend.writeInbound(bytes("bye"));
        backend.close();
        assertThat(written(client)).isEqualTo("bye");
        client.runPendingTasks();
        assertThat(client.isActive()).isFalse();
        assertFalse(client.finishAndReleaseAll());
        assertFalse(h.finishBackends());
    }

    // The client closing closes the backend.
    @Test
    void clientCloseClosesTheBackend() {
        upgrade();
        closeClient();
        assertFalse(client.finishAndReleaseAll());
        assertFalse(h.finishBackends());
    }

    // A backend that answers the upgrade with an ordinary response leaves both connections HTTP.
    @Test
    void refusedUpgradeIsAnOrdinaryResponse() {
        client.writeInbound(bytes(UPGRADE));
        backend = h.opened.get(0);
        written(backend);
        backend.writeInbound(bytes("HTTP/1.1 426 Upgrade Required\r\nContent-Length: 0\r\n\r\n"));
        assertThat(written(client)).isEqualTo("HTTP/1.1 426 Upgrade Required\r\nContent-Length: 0\r\n"
                + "x-request-id: req-1\r\n\r\n");
        assertThat(client.pipeline().get(Tunnel.class)).isNull();
        assertFalse(client.finishAndReleaseAll());
        assertFalse(h.finishBackends());
    }
}
