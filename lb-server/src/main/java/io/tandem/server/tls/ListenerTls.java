package io.tandem.server.tls;

import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.CipherSuiteConverter;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.OpenSslCachingX509KeyManagerFactory;
import io.netty.handler.ssl.OpenSslContext;
import io.netty.handler.ssl.OpenSslSessionTicketKey;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.tandem.config.ClientCertificateConfig;
import io.tandem.config.Http2Config;
import io.tandem.config.ListenerConfig;
import io.tandem.config.ListenerTlsConfig;
import io.tandem.config.TicketKeys;
import io.tandem.config.TlsCertificate;
import io.tandem.server.metrics.TlsMeters;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A listener's TLS termination as one config load made it: one
 * {@link SslContext} per certificate, built once (never per connection), and
 * the SNI maps from host names to them, one for the ECDSA certificates and one
 * for the RSA ones, so a name both cover is served ECDSA to the clients that
 * can verify it and RSA to the others. Immutable; a reload builds a new one
 * and swaps it in for new connections, while open connections keep the
 * context their handshake used.
 */
public final class ListenerTls {

    private static final Logger log = LoggerFactory.getLogger(ListenerTls.class);

    /** TLS 1.3's suites in the JDK's names (the engines' defaults; OpenSSL's names differ only in spelling). */
    private static final List<String> TLS13_SUITES = List.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256");

    /**
     * The trust of a listener that asks no client for a certificate: nobody. Without a trust manager, Netty's
     * OpenSSL server context loads the JDK's default trust store for a check that never runs: some 150 CA
     * certificates parsed at every start and reload, and about 1 MB of heap kept as long as the context is.
     */
    private static final X509Certificate[] NO_CLIENT_CERTIFICATES = new X509Certificate[0];

    private final TlsEngine engine;
    private final ListenerTlsConfig config;
    private final SslContext defaultContext;
    /** The first certificate's first name: a client without SNI (or an unknown name) is served as if it sent it. */
    private final String defaultName;
    private final SniMap<SslContext> ecdsaByName;
    private final SniMap<SslContext> rsaByName;
    private final long handshakeTimeoutMillis;
    private final TlsMeters meters;
    /** The OCSP response each context staples (OpenSSL only); contexts without one are absent. */
    private final Map<SslContext, byte[]> staples;

    private ListenerTls(TlsEngine engine, ListenerTlsConfig config, List<SslContext> contexts,
                        long handshakeTimeoutMillis, TlsMeters meters, Map<SslContext, byte[]> staples) {
        this.engine = engine;
        this.meters = meters;
        this.staples = staples;
        this.config = config;
        this.defaultContext = contexts.get(0);
        List<String> firstNames = config.certificates().get(0).names();
        this.defaultName = firstNames.isEmpty() ? null : firstNames.get(0);
        List<SniMap.Entry<SslContext>> ecdsa = new ArrayList<>();
        List<SniMap.Entry<SslContext>> rsa = new ArrayList<>();
        for (int i = 0; i < contexts.size(); i++) {
            TlsCertificate c = config.certificates().get(i);
            (c.key().getAlgorithm().equals("EC") ? ecdsa : rsa).add(new SniMap.Entry<>(c.names(), contexts.get(i)));
        }
        this.ecdsaByName = new SniMap<>(ecdsa);
        this.rsaByName = new SniMap<>(rsa);
        this.handshakeTimeoutMillis = handshakeTimeoutMillis;
    }

    private ListenerTls(ListenerTls same, TlsMeters meters) {
        this.engine = same.engine;
        this.config = same.config;
        this.defaultContext = same.defaultContext;
        this.defaultName = same.defaultName;
        this.ecdsaByName = same.ecdsaByName;
        this.rsaByName = same.rsaByName;
        this.handshakeTimeoutMillis = same.handshakeTimeoutMillis;
        this.staples = same.staples;
        this.meters = meters;
    }

    /**
     * The same contexts (certificates, settings, session cache and ticket keys), with handshakes counted
     * in {@code other}: the warm standby's private listener handshakes like the real one, but its
     * handshakes are not the real listener's clients'.
     */
    public ListenerTls countedIn(TlsMeters other) {
        return new ListenerTls(this, other);
    }

    /**
     * The TLS of {@code listener} (which has a {@code tls} section) on {@code engine}.
     *
     * @param meters the listener's TLS meters, which its connections count handshakes with
     * @throws SSLException when the engine refuses a certificate, key or setting
     */
    public static ListenerTls build(ListenerConfig listener, TlsEngine engine, TlsMeters meters)
            throws SSLException {
        ListenerTlsConfig config = listener.tls().orElseThrow();
        List<String> suites = new ArrayList<>();
        for (String openSslName : config.ciphers()) {
            suites.add(CipherSuiteConverter.toJava(openSslName, "TLS"));
        }
        suites.addAll(TLS13_SUITES);
        String[] protocols = config.minVersion() == ListenerTlsConfig.TlsVersion.TLS_1_3
                ? new String[] {"TLSv1.3"} : new String[] {"TLSv1.3", "TLSv1.2"};
        List<SslContext> contexts = new ArrayList<>();
        Map<SslContext, byte[]> staples = new IdentityHashMap<>();
        boolean stapling = engine == TlsEngine.OPENSSL && OpenSsl.isOcspSupported();
        for (TlsCertificate c : config.certificates()) {
            SslContextBuilder builder = serverBuilder(engine, c)
                    .sslProvider(engine.provider())
                    .protocols(protocols)
                    .ciphers(suites)
                    .applicationProtocolConfig(alpn(listener.http2()));
            if (config.clients().isPresent()) {
                ClientCertificateConfig clients = config.clients().get();
                builder.trustManager(clients.authorities().toArray(new X509Certificate[0]))
                        .clientAuth(clients.required() ? ClientAuth.REQUIRE : ClientAuth.OPTIONAL);
            } else {
                builder.trustManager(NO_CLIENT_CERTIFICATES);
            }
            if (stapling && c.ocsp().isPresent()) {
                builder.enableOcsp(true);
            }
            SslContext context = builder.build();
            if (stapling && c.ocsp().isPresent()) {
                staples.put(context, c.ocsp().get().der());
            }
            if (!stapling && c.ocsp().isPresent()) {
                log.warn("listener {}: OCSP response {} not stapled: the {} engine cannot staple a response file",
                        listener.name(), c.ocsp().get().file(), engine.description());
            }
            if (config.ticketKeys().isPresent() && context instanceof OpenSslContext) {
                ((OpenSslContext) context).sessionContext().setTicketKeys(ticketKeys(config.ticketKeys().get()));
            }
            contexts.add(context);
        }
        if (config.ticketKeys().isPresent() && engine != TlsEngine.OPENSSL) {
            log.warn("listener {}: tls.ticket-keys {} not used: the JDK's TLS engine takes no ticket keys, so "
                    + "sessions resume only on this node", listener.name(), config.ticketKeys().get().file());
        }
        return new ListenerTls(engine, config, contexts, listener.headerTimeout().toMillis(), meters, staples);
    }

    /**
     * A builder with {@code certificate}'s key and chain. On OpenSSL, behind a
     * caching key manager: without one, Netty hands BoringSSL the key material
     * through a callback on every handshake, PEM-encoding the chain and the key
     * and parsing both again each time (about a fifth of a full handshake's
     * cost on one core, and slow Java code until the JIT has compiled it). A
     * context is built per config load, so the cached material is never stale.
     */
    private static SslContextBuilder serverBuilder(TlsEngine engine, TlsCertificate certificate) throws SSLException {
        X509Certificate[] chain = certificate.chain().toArray(new X509Certificate[0]);
        if (engine != TlsEngine.OPENSSL) {
            return SslContextBuilder.forServer(certificate.key(), chain);
        }
        KeyManagerFactory keys = new OpenSslCachingX509KeyManagerFactory(new OneKey(certificate.key(), chain));
        try {
            keys.init(null, null);
        } catch (GeneralSecurityException e) {
            throw new SSLException("cannot hand the key of " + certificate.certFile() + " to the engine: " + e, e);
        }
        return SslContextBuilder.forServer(keys);
    }

    /**
     * The engine's keys from HAProxy-format lines. tcnative's tickets are
     * AES-128-CBC with HMAC-SHA256 and take 16 bytes each of name, HMAC secret
     * and AES key: a 48-byte line is exactly that; of an 80-byte line (32-byte
     * secrets) the first 16 bytes of each secret are used. The first encrypts.
     */
    static OpenSslSessionTicketKey[] ticketKeys(TicketKeys keys) {
        OpenSslSessionTicketKey[] out = new OpenSslSessionTicketKey[keys.lines().size()];
        for (int i = 0; i < out.length; i++) {
            byte[] k = keys.key(i);
            int secret = (k.length - OpenSslSessionTicketKey.NAME_SIZE) / 2;
            int aes = OpenSslSessionTicketKey.NAME_SIZE + secret;
            out[i] = new OpenSslSessionTicketKey(Arrays.copyOfRange(k, 0, OpenSslSessionTicketKey.NAME_SIZE),
                    Arrays.copyOfRange(k, OpenSslSessionTicketKey.NAME_SIZE,
                            OpenSslSessionTicketKey.NAME_SIZE + OpenSslSessionTicketKey.HMAC_KEY_SIZE),
                    Arrays.copyOfRange(k, aes, aes + OpenSslSessionTicketKey.AES_KEY_SIZE));
        }
        return out;
    }

    /**
     * ALPN offers the listener's protocols in its order ({@code h2} and {@code http/1.1} by default). A
     * client that offers none of them gets no ALPN answer and the handshake goes on, as with HAProxy: such
     * a client then either speaks HTTP/1.1 or closes. (nginx sends a fatal no_application_protocol alert
     * instead; BoringSSL under Netty cannot.)
     */
    private static ApplicationProtocolConfig alpn(Http2Config http2) {
        List<String> names = new ArrayList<>();
        for (Http2Config.Protocol p : http2.protocols()) {
            names.add(p == Http2Config.Protocol.H2 ? ApplicationProtocolNames.HTTP_2 : ApplicationProtocolNames.HTTP_1_1);
        }
        return new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, names);
    }

    /**
     * Adds a new connection's TLS handlers: the SNI handler (it reads the ClientHello, then puts the
     * chosen context's SslHandler in its place) and the observer that counts how the handshake ended.
     */
    public void addTo(ChannelPipeline pipeline) {
        pipeline.addLast("tls", new TlsSniHandler(this, handshakeTimeoutMillis, meters));
        pipeline.addLast("tls-observer", new HandshakeObserver(meters));
    }

    /** Points this listener's expiry gauges at these certificates (once this TLS is in force). */
    public void publishExpiry() {
        Map<String, Instant> notAfter = new LinkedHashMap<>();
        for (TlsCertificate c : config.certificates()) {
            notAfter.put(c.certFile(), c.leaf().getNotAfter().toInstant());
        }
        meters.certificates(notAfter);
    }

    /**
     * The context for an SNI name (null when the client sent none): the
     * certificate covering it, else the default one; null when strict SNI
     * refuses the handshake.
     *
     * @param ecdsa whether the client can verify an ECDSA certificate
     */
    SslContext select(String hostname, boolean ecdsa) {
        SslContext context = choose(hostname, ecdsa);
        if (context != null) {
            return context;
        }
        if (config.strictSni()) {
            return null;
        }
        SslContext byDefault = choose(defaultName, ecdsa);
        return byDefault != null ? byDefault : defaultContext;
    }

    /**
     * The certificate for {@code host}: a name covered exactly wins over a
     * wildcard whatever the key types; among the certificates covering it
     * equally, ECDSA for a client that can verify it, else RSA; an ECDSA-only
     * name is served ECDSA to every client (there is nothing better to offer).
     */
    private SslContext choose(String host, boolean ecdsa) {
        SniMap.Match<SslContext> e = ecdsaByName.find(host);
        SniMap.Match<SslContext> r = rsaByName.find(host);
        if (e != null && r != null && e.exact() != r.exact()) {
            return e.exact() ? e.value() : r.value();
        }
        if (e != null && (ecdsa || r == null)) {
            return e.value();
        }
        return r == null ? null : r.value();
    }

    /** The OCSP response to staple with {@code context}'s certificate, or null. */
    byte[] staple(SslContext context) {
        return staples.get(context);
    }

    /** Whether this certificate's OCSP response is stapled to the handshakes that serve it. */
    public boolean stapling(TlsCertificate certificate) {
        return certificate.ocsp().isPresent() && engine == TlsEngine.OPENSSL && OpenSsl.isOcspSupported();
    }

    public TlsEngine engine() {
        return engine;
    }

    public ListenerTlsConfig config() {
        return config;
    }
}
