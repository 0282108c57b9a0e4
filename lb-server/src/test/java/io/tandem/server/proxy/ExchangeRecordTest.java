package io.tandem.server.proxy;

import static io.tandem.server.proxy.ProxyHarness.bytes;
import static io.tandem.server.proxy.ProxyHarness.written;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.netty.channel.embedded.EmbeddedChannel;
import io.tandem.config.AccessLogConfig;
import io.tandem.config.AccessLogTemplate;
import io.tandem.config.ListenerConfig;
import java.net.ConnectException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The access-log line each ending of an exchange writes: status, body bytes in, pool, backend, retries, id. */
class ExchangeRecordTest {

    private final Logger logger = (Logger) LoggerFactory.getLogger(AccessLog.LOGGER);
    private final ListAppender<ILoggingEvent> lines = new ListAppender<>();

    @BeforeEach
    void capture() {
        lines.start();
        logger.addAppender(lines);
    }

    @AfterEach
    void release() {
        logger.detachAppender(lines);
    }

    /** A harness whose listener logs {@code $status $bytes_in $bytes_out $pool $backend $retries $request_id}. */
    private static ProxyHarness logged(int backends) {
        ProxyHarness h = new ProxyHarness(backends, 2);
        ListenerConfig l = h.listener.routing().listener();
        AccessLogConfig log = new AccessLogConfig(true, AccessLogConfig.Format.TEMPLATE, Optional.of(
                AccessLogTemplate.parse("$status $bytes_in $bytes_out $pool $backend $retries $request_id")),
                Optional.empty());
        h.listener.routing(new Routing(new ListenerConfig(l.name(), l.bind(), l.pool(), l.headerTimeout(),
                l.idleTimeout(), l.maxHeaderSize(), l.maxUriLength(), l.routes(), log, l.proxyProtocol(), l.tls(),
                l.redirectHttp(), l.hsts()), 0, Map.of("web", h.pool)));
        return h;
    }

    private List<String> logged() {
        return lines.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }

    // A refused connect, then an answer from the next backend: one line, the answering backend, one retry.
    @Test
    void answeredAfterARetry() {
        ProxyHarness h = logged(2);
        h.refuse(1, new ConnectException("Connection refused"));
        EmbeddedChannel client = h.client();
        client.writeInbound(bytes("POST /x HTTP/1.1\r\nHost: a\r\nX-Request-Id: r1\r\nContent-Length: 3\r\n\r\nabc"));
        EmbeddedChannel b2 = h.opened.get(0);
        assertThat(written(b2)).startsWith("POST /x HTTP/1.1\r\n").endsWith("\r\n\r\nabc");
        b2.writeInbound(bytes("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"));
        assertThat(written(client)).endsWith("\r\n\r\nhi");
        assertThat(h.connects).containsExactly("10.0.0.1:80", "10.0.0.2:80");
        assertThat(logged()).containsExactly("200 3 2 web 10.0.0.2:80 1 r1");
        assertFalse(client.finishAndReleaseAll());
        assertFalse(h.finishBackends());
    }

    // The client leaves before the answer: 499, no body out, the backend that was asked.
    @Test
    void clientLeftIs499() {
        ProxyHarness h = logged(1);
        EmbeddedChannel client = h.client();
        client.writeInbound(bytes("GET /x HTTP/1.1\r\nHost: a\r\nX-Request-Id: r2\r\n\r\n"));
        EmbeddedChannel b1 = h.opened.get(0);
        assertThat(written(b1)).startsWith("GET /x HTTP/1.1\r\n");
        client.close();
        assertThat(logged()).containsExactly("499 0 0 web 10.0.0.1:80 0 r2");
        assertFalse(client.finishAndReleaseAll());
        assertFalse(h.finishBackends());
    }

    // Every backend refuses: Tandem's own 502, its body's length out, the last backend tried, one retry.
    @Test
    void localAnswerAfterEveryBackendRefused() {
        ProxyHarness h = logged(2);
        h.refuse(1, new ConnectException("Connection refused"));
        h.refuse(2, new ConnectException("Connection refused"));
        EmbeddedChannel client = h.client();
        client.writeInbound(bytes("GET /x HTTP/1.1\r\nHost: a\r\nX-Request-Id: r3\r\n\r\n"));
        String body = "No backend of pool 'web' could be reached.\n";
        assertThat(written(client)).startsWith("HTTP/1.1 502 Bad Gateway\r\n").endsWith(body);
        assertThat(logged()).containsExactly("502 0 " + body.length() + " web 10.0.0.2:80 1 r3");
        assertFalse(client.finishAndReleaseAll());
        assertFalse(h.finishBackends());
    }
}
