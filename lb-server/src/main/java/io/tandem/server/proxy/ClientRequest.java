package io.tandem.server.proxy;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import io.tandem.config.Template;
import io.tandem.core.strategy.RequestContext;
import java.util.List;

/**
 * The request a client connection serves now. {@link #forward} makes the
 * client's head into the one the backend gets: what its hop-by-hop headers
 * say of the connection (keep-alive, an upgrade) is kept here and the
 * headers go, but an upgrade's; the forwarding headers are set
 * ({@code X-Forwarded-*}, {@code Forwarded}, an {@code X-Request-Id} kept or
 * made); the client-certificate header is Tandem's alone; an HTTP/1.0
 * request gets the {@code Host} HTTP/1.1 requires; the version becomes
 * HTTP/1.1; a head without a body becomes one complete message. While its
 * exchange runs ({@link #running}), strategies and sticky sessions read it as
 * the {@link RequestContext} and templates as the {@link Template.Values}.
 *
 * <p>One per client connection (or HTTP/2 stream), begun again by each
 * request, so a pick allocates nothing; confined to its event loop.
 */
final class ClientRequest implements RequestContext, Template.Values {

    private final ClientPeer peer;
    private final boolean https;
    /** What the route is chosen by. */
    final RequestFacts facts = new RequestFacts();
    /** The window {@link #cookie} answers with; see {@link Cookies.Value}. */
    private final Cookies.Value cookieValue = new Cookies.Value();
    /** The head sent to the backend while its exchange runs, else null. */
    private HttpRequest head;
    private String requestId;
    /** The request's version as the client spoke it, for the access log: HTTP/1.0, HTTP/1.1, HTTP/2.0. */
    private String protocol;
    private boolean keepAlive;
    private boolean upgrading;

    ClientRequest(ClientPeer peer, boolean https) {
        this.peer = peer;
        this.https = https;
    }

    /** A new request, spoken in {@code protocol}. */
    void begin(String protocol) {
        this.protocol = protocol;
    }

    /**
     * Makes {@code req} (its {@code Host} header {@code host}, null when absent) the head its backend gets
     * (see the class comment); {@code clientCertHeader} is the listener's header for the client certificate's
     * subject, or null. Returns the head to send: {@code req}, or a complete message made of it.
     */
    HttpRequest forward(HttpRequest req, String host, boolean http10, AsciiString clientCertHeader) {
        HttpHeaders headers = req.headers();
        String upgrade = headers.get(HttpHeaderNames.UPGRADE);
        int tokens = ForwardedHeaders.removeHopByHop(headers);
        keepAlive = http10 ? (tokens & ForwardedHeaders.KEEP_ALIVE_TOKEN) != 0 : (tokens & ForwardedHeaders.CLOSE) == 0;
        upgrading = upgrade != null && (tokens & ForwardedHeaders.UPGRADE) != 0 && !http10;
        if (upgrading) {
            // The one hop-by-hop header that must reach the backend: it asks for the switch.
            headers.set(HttpHeaderNames.UPGRADE, upgrade);
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
        }
        requestId = ForwardedHeaders.addForwarding(headers, peer.ip(), peer.forwardedFor(), host, https);
        if (clientCertHeader != null) {
            // Only Tandem speaks for the client's certificate.
            headers.remove(clientCertHeader);
            if (peer.subject() != null) {
                headers.add(clientCertHeader, peer.subject());
            }
        }
        if (http10 && host == null) {
            // A 1.0 request may lack Host; HTTP/1.1 to the backend requires it.
            headers.set(HttpHeaderNames.HOST, "");
        }
        // Backends are always spoken to in HTTP/1.1 keep-alive, whatever the client speaks.
        req.setProtocolVersion(HttpVersion.HTTP_1_1);
        if (!headers.contains(HttpHeaderNames.CONTENT_LENGTH) && !headers.contains(HttpHeaderNames.TRANSFER_ENCODING)) {
            // No body (RFC 9112 section 6.3): the head goes out as one complete message, one
            // write instead of two; the empty end the decoder sends after it is dropped.
            return new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, req.method(), req.uri(), Unpooled.EMPTY_BUFFER,
                    headers, EmptyHttpHeaders.INSTANCE);
        }
        return req;
    }

    /** {@code forwarded} goes to a backend now: strategies and sticky sessions read it until {@link #ended}. */
    void running(HttpRequest forwarded) {
        head = forwarded;
    }

    /** The exchange ended (or never began): the previous head is no longer read. */
    void ended() {
        head = null;
    }

    /** The head sent to the backend while its exchange runs, else null. */
    HttpRequest head() {
        return head;
    }

    String requestId() {
        return requestId;
    }

    String protocol() {
        return protocol;
    }

    /** Whether the client's request lets the connection carry another after it (its version and Connection). */
    boolean keepAlive() {
        return keepAlive;
    }

    /** Whether the request asks the backend to switch protocols (Upgrade, HTTP/1.1 only). */
    boolean upgrading() {
        return upgrading;
    }

    @Override
    public String value(Template.Variable variable) {
        return switch (variable) {
            case CLIENT -> peer.ip();
            case REQUEST_ID -> requestId;
            case HOST -> facts.hostname();
            case SCHEME -> https ? "https" : "http";
            case PATH -> facts.path();
            case QUERY -> facts.query();
            case URI -> facts.uri;
        };
    }

    @Override
    public byte[] sourceAddress() {
        return peer.address();
    }

    @Override
    public CharSequence header(CharSequence name) {
        return head == null ? null : head.headers().get(name);
    }

    @Override
    public CharSequence cookie(CharSequence name) {
        if (head == null) {
            return null;
        }
        // HTTP/1.1 clients send one Cookie header: look there without allocating.
        String first = head.headers().get(HttpHeaderNames.COOKIE);
        if (first == null) {
            return null;
        }
        CharSequence value = Cookies.find(first, name, cookieValue);
        if (value != null) {
            return value;
        }
        List<String> all = head.headers().getAll(HttpHeaderNames.COOKIE);
        for (int i = 1; i < all.size(); i++) {
            value = Cookies.find(all.get(i), name, cookieValue);
            if (value != null) {
                return value;
            }
        }
        return null;
    }
}
