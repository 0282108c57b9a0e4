package io.tandem.server.tls;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http2.Http2SecurityUtil;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.NetUtil;
import io.tandem.config.BackendTlsConfig;
import io.tandem.config.HostPort;
import io.tandem.server.NetErrors;
import java.io.File;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A pool's HTTPS to its backends: one client {@link SslContext}, built once
 * per pool and config load (a reload builds a new one from the files, so
 * replaced certificates take effect), and the handler each new backend
 * connection gets. The loops share it: immutable but for the thread-safe
 * limit on how often failed handshakes are logged.
 *
 * <p>Verification is the JDK's: the chain must end at a CA of {@code ca} (or
 * of the JDK's trust store), and the certificate must name the host Tandem
 * meant (endpoint identification "HTTPS"): the pool's {@code sni} name, else
 * the backend's host, a DNS name or an IP address.
 *
 * <p>For a {@code protocol: h2} pool the context offers {@code h2} alone by
 * ALPN (with HTTP/2's cipher suites, RFC 9113 section 9.2), and a handshake in
 * which the backend does not select it fails like a refused certificate: a
 * backend that only speaks HTTP/1.1 over TLS is a failed connection with that
 * reason, never HTTP/1.1 in HTTP/2's place.
 */
public final class BackendTls {

    /** The name of the handler in a backend connection's pipeline. */
    private static final String HANDLER = "tls";

    /** How often a backend whose requests' handshakes keep failing is logged again. */
    private static final long LOG_PERIOD_NANOS = TimeUnit.MINUTES.toNanos(1);

    private static final Logger log = LoggerFactory.getLogger("io.tandem.tls");

    private final String pool;
    private final SslContext context;
    private final String sni;
    private final String description;
    /** Whether connections must select h2 by ALPN (a {@code protocol: h2} pool). */
    private final boolean http2;
    private final LogLimit<HostPort> failureLog = new LogLimit<>(LOG_PERIOD_NANOS);

    private BackendTls(String pool, SslContext context, String sni, String description, boolean http2) {
        this.pool = pool;
        this.context = context;
        this.sni = sni;
        this.description = description;
        this.http2 = http2;
    }

    /**
     * Builds the client context of {@code pool}'s {@code config}. Throws {@link SSLException}
     * when a file the config check accepted cannot be loaded after all (it
     * changed since, or the engine refuses it); the caller keeps the running config.
     */
    public static BackendTls of(String pool, BackendTlsConfig config) throws SSLException {
        return of(pool, config, provider(), false);
    }

    /**
     * The same for HTTP/2 when {@code http2} (a {@code protocol: h2} pool): ALPN offers only {@code h2}, and
     * {@link #secure} fails a connection whose backend does not select it.
     */
    public static BackendTls of(String pool, BackendTlsConfig config, boolean http2) throws SSLException {
        return of(pool, config, provider(), http2);
    }

    /** The same with a given engine (tests run both). */
    static BackendTls of(String pool, BackendTlsConfig config, SslProvider provider) throws SSLException {
        return of(pool, config, provider, false);
    }

    static BackendTls of(String pool, BackendTlsConfig config, SslProvider provider, boolean http2)
            throws SSLException {
        SslContextBuilder builder = SslContextBuilder.forClient()
                .sslProvider(provider)
                .protocols("TLSv1.3", "TLSv1.2");
        if (http2) {
            // Accept whatever the backend selects (or nothing) in the engine, and judge it in secure(), so the
            // reason reads the same on both engines.
            builder.applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                            ApplicationProtocolNames.HTTP_2))
                    .ciphers(Http2SecurityUtil.CIPHERS, SupportedCipherSuiteFilter.INSTANCE);
        }
        try {
            if (config.verify()) {
                if (config.ca() != null) {
                    builder.trustManager(new File(config.ca()));
                }
                builder.endpointIdentificationAlgorithm("HTTPS");
            } else {
                builder.trustManager(InsecureTrustManagerFactory.INSTANCE).endpointIdentificationAlgorithm(null);
            }
            if (config.cert() != null) {
                builder.keyManager(new File(config.cert()), new File(config.key()));
            }
            String description = engineName(provider) + ", " + (!config.verify() ? "not verified"
                    : "verified against " + (config.ca() != null ? config.ca() : "the JDK's CAs"))
                    + (config.cert() != null ? ", client certificate " + config.cert() : "")
                    + (http2 ? ", ALPN h2" : "");
            return new BackendTls(pool, builder.build(), config.sni(), description, http2);
        } catch (IllegalArgumentException e) {
            // Netty reports an unreadable PEM file so; the caller handles one type.
            throw new SSLException(e.getMessage(), e);
        }
    }

    /** OpenSSL (BoringSSL) where netty-tcnative loads on this host, else the JDK's engine. */
    static SslProvider provider() {
        return OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
    }

    /** The engine's name for the log: "OpenSSL (BoringSSL)" or "JDK". */
    private static String engineName(SslProvider provider) {
        return provider == SslProvider.OPENSSL ? "OpenSSL (" + OpenSsl.versionString() + ")" : "JDK";
    }

    /** Whether this is a {@code protocol: h2} pool's TLS: connections are HTTP/2, selected by ALPN. */
    public boolean http2() {
        return http2;
    }

    /** What the pool's TLS does, for the start and reload log: engine, verification, client certificate. */
    public String description() {
        return description;
    }

    /**
     * A handler for a new connection to {@code backend}. The engine's peer
     * host is the {@code sni} name, else the backend's host, and the
     * certificate is verified against it. It is sent as SNI when it is a name,
     * never an IP address; set here rather than left to the engine, as
     * Netty's OpenSSL engine skips names without a dot such as {@code localhost}.
     */
    public SslHandler newHandler(Channel ch, HostPort backend) {
        String host = sni != null ? sni : backend.host();
        SslHandler handler = context.newHandler(ch.alloc(), host, backend.port());
        if (!NetUtil.isValidIpV4Address(host) && !NetUtil.isValidIpV6Address(host)) {
            SSLEngine engine = handler.engine();
            SSLParameters parameters = engine.getSSLParameters();
            parameters.setServerNames(List.of(new SNIHostName(host)));
            engine.setSSLParameters(parameters);
        }
        return handler;
    }

    /**
     * Logs that a request's handshake with {@code backend} failed, at most
     * once a minute per backend. A handshake failure is nearly always a
     * setting (CA, name, client certificate) that no status code explains,
     * and a pool without active checks that never ejects (a single backend)
     * would otherwise say nothing of it. Health checks log their own failures.
     */
    public void requestHandshakeFailed(HostPort backend, Throwable cause) {
        if (failureLog.allow(backend, System.nanoTime())) {
            log.warn("pool {} backend {}: {} (logged at most once a minute per backend)", pool, backend,
                    NetErrors.describe(cause));
        }
    }

    /**
     * A connection being opened, secured: once {@code connect} succeeds, a
     * handler goes first in the pipeline (starting the handshake; but see {@code after}), and the
     * returned future succeeds when the handshake is done. The handshake gets
     * what is left of {@code timeoutMillis} since {@code startNanos}, so one
     * timeout bounds connect and handshake together. A failed or timed-out
     * handshake fails the future with its {@link SSLException} and closes the
     * channel, like a refused connect; so does, for an HTTP/2 pool, a
     * handshake in which the backend did not select {@code h2} by ALPN. {@code after}: the name of a handler
     * whose bytes must precede the handshake on the wire (the PROXY protocol
     * header's writer, as HAProxy sends it: before TLS); the TLS handler goes
     * behind it, towards the application. Null, or no such handler: first.
     */
    public ChannelFuture secure(ChannelFuture connect, HostPort backend, long startNanos, long timeoutMillis,
                                String after) {
        Channel ch = connect.channel();
        ChannelPromise ready = ch.newPromise();
        connect.addListener((ChannelFuture f) -> {
            if (!f.isSuccess()) {
                ready.tryFailure(f.cause());
                return;
            }
            SslHandler handler = newHandler(ch, backend);
            long spent = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
            handler.setHandshakeTimeoutMillis(Math.max(1, timeoutMillis - spent));
            handler.handshakeFuture().addListener(h -> {
                if (!h.isSuccess()) {
                    ready.tryFailure(asHandshakeFailure(h.cause()));
                } else if (http2 && !ApplicationProtocolNames.HTTP_2.equals(handler.applicationProtocol())) {
                    ready.tryFailure(new SSLHandshakeException(notH2(handler.applicationProtocol())));
                    ch.close();
                } else {
                    ready.trySuccess();
                }
            });
            if (after != null && ch.pipeline().get(after) != null) {
                ch.pipeline().addAfter(after, HANDLER, handler);
            } else {
                ch.pipeline().addFirst(HANDLER, handler);
            }
        });
        return ready;
    }

    /**
     * A failure of the handshake as an {@link SSLHandshakeException}, so it
     * reads as one: Netty fails it with others too, e.g. "not an SSL/TLS
     * record" when the backend's port speaks plain HTTP.
     */
    private Throwable asHandshakeFailure(Throwable cause) {
        if (http2 && String.valueOf(cause.getMessage()).toLowerCase(java.util.Locale.ROOT)
                .contains("no_application_protocol")) {
            // The backend speaks ALPN but none of what was offered: say which protocol that was. (The JDK
            // says "no_application_protocol", BoringSSL "TLSV1_ALERT_NO_APPLICATION_PROTOCOL".)
            SSLHandshakeException e = new SSLHandshakeException("ALPN: the backend does not accept h2, the only "
                    + "protocol offered (it answered no_application_protocol), so it does not speak HTTP/2 over TLS");
            e.initCause(cause);
            return e;
        }
        if (cause instanceof SSLHandshakeException) {
            return cause;
        }
        SSLHandshakeException e = new SSLHandshakeException(String.valueOf(cause.getMessage()));
        e.initCause(cause);
        return e;
    }

    /** Why a completed handshake is no HTTP/2 connection: the backend selected {@code selected} (null: nothing). */
    static String notH2(String selected) {
        return "ALPN: the backend selected " + (selected == null ? "no protocol" : selected)
                + " where h2 was the only one offered, so it does not speak HTTP/2 over TLS";
    }
}
