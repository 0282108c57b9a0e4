package io.tandem.server.dynamic;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.netty.buffer.ByteBuf;
import io.netty.channel.AddressedEnvelope;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.dns.DefaultDnsQuestion;
import io.netty.handler.codec.dns.DefaultDnsRecordDecoder;
import io.netty.handler.codec.dns.DnsRawRecord;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponse;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.dns.DnsSection;
import io.netty.resolver.dns.DnsNameResolver;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.resolver.dns.DnsServerAddressStreamProviders;
import io.netty.resolver.dns.SequentialDnsServerAddressStreamProvider;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import io.tandem.config.BackendConfig;
import io.tandem.config.BackendOrigin;
import io.tandem.config.DnsBackendConfig;
import io.tandem.config.HostPort;
import io.tandem.config.PoolConfig;
import io.tandem.config.TandemConfig;
import io.tandem.core.discovery.DnsRefresh;
import io.tandem.core.discovery.DnsRefresh.Decision;
import io.tandem.core.discovery.DnsRefresh.Result;
import io.tandem.core.discovery.DnsRefresh.Target;
import io.tandem.server.Transport;
import io.tandem.server.metrics.ProxyMetrics;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DNS discovery: the {@code dns:} and {@code dns-srv:} entries of every pool,
 * each asked again when its answer's TTL runs out ({@link DnsRefresh} decides
 * what an answer means and when to ask). Queries go through Netty's
 * {@link DnsNameResolver} to the configured {@code resolvers} (else those of
 * /etc/resolv.conf); the raw responses give the TTLs and tell NXDOMAIN from
 * an empty answer or an error.
 *
 * <p>When the backends of a pool's entries change, the pool's whole DNS set
 * goes to {@code publish} (the node applies it through {@link RuntimeBackends},
 * which keeps the backends that stay and drains those that go).
 *
 * <p>Everything runs on one event loop ({@code loop}); {@link #start},
 * {@link #reconfigure} and {@link #close} hand over to it.
 */
public final class DnsDiscovery implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DnsDiscovery.class);
    private static final long QUERY_TIMEOUT_MILLIS = 2000;

    private final EventLoop loop;
    private final Transport transport;
    private final ProxyMetrics metrics;
    private final BiConsumer<String, List<BackendConfig>> publish;
    /** Loop-confined. */
    private final Map<Key, Watch> watches = new LinkedHashMap<>();
    private DnsNameResolver resolver;
    private List<HostPort> resolvers;
    private boolean publishing;
    private boolean closed;

    private record Key(String pool, DnsBackendConfig entry) {}

    /**
     * @param publish gets a pool's DNS backends (all its entries together) when they change; called on the
     *                loop, so it must hand over (the node puts the change on its control thread)
     */
    public DnsDiscovery(EventLoop loop, Transport transport, ProxyMetrics metrics,
                        BiConsumer<String, List<BackendConfig>> publish) {
        this.loop = loop;
        this.transport = transport;
        this.metrics = metrics;
        this.publish = publish;
    }

    /**
     * Starts watching every DNS entry of {@code config} and waits (at most a
     * few seconds) for each one's first answer. Returns the DNS backends per
     * pool to start with; changes after that are published once
     * {@link #startPublishing()} is called.
     */
    public Map<String, List<BackendConfig>> start(TandemConfig config) throws InterruptedException {
        CompletableFuture<List<CompletableFuture<Void>>> firsts = new CompletableFuture<>();
        loop.execute(() -> firsts.complete(reconfigureOnLoop(config)));
        try {
            List<CompletableFuture<Void>> all = firsts.get(10, TimeUnit.SECONDS);
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new))
                    .get(2 * QUERY_TIMEOUT_MILLIS + 1000, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            log.warn("DNS: not every entry answered in time at start; the others join when they do");
        } catch (ExecutionException e) {
            throw new IllegalStateException("DNS discovery: " + e.getCause(), e.getCause());
        }
        CompletableFuture<Map<String, List<BackendConfig>>> sets = new CompletableFuture<>();
        loop.execute(() -> sets.complete(setsByPool()));
        try {
            return sets.get(10, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("DNS discovery did not start: " + e, e);
        }
    }

    /** From now on, changes go to {@code publish}; every pool's set is published once now. */
    public void startPublishing() {
        loop.execute(() -> {
            publishing = true;
            setsByPool().forEach(publish);
        });
    }

    /**
     * A reload committed {@code config}: entries that stay keep their state and
     * schedule, new ones start, removed ones stop (their pool is published
     * without them). A change of {@code resolvers} starts every entry anew.
     */
    public void reconfigure(TandemConfig config) {
        loop.execute(() -> reconfigureOnLoop(config));
    }

    @Override
    public void close() {
        loop.execute(() -> {
            closed = true;
            watches.values().forEach(Watch::stop);
            watches.clear();
            if (resolver != null) {
                resolver.close();
            }
        });
    }

    private List<CompletableFuture<Void>> reconfigureOnLoop(TandemConfig config) {
        Map<Key, DnsBackendConfig> wanted = new LinkedHashMap<>();
        for (PoolConfig p : config.pools().values()) {
            for (DnsBackendConfig d : p.discovery()) {
                wanted.put(new Key(p.name(), d), d);
            }
        }
        List<String> touched = new ArrayList<>();
        if (!config.resolvers().equals(resolvers) && resolver != null) {
            watches.values().forEach(Watch::stop);
            watches.keySet().forEach(k -> touched.add(k.pool()));
            watches.clear();
            resolver.close();
            resolver = null;
        }
        resolvers = config.resolvers();
        for (var it = watches.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Key, Watch> e = it.next();
            if (!wanted.containsKey(e.getKey())) {
                e.getValue().stop();
                it.remove();
                touched.add(e.getKey().pool());
                log.info("pool {}: DNS entry {} removed", e.getKey().pool(), e.getKey().entry().label());
            }
        }
        List<CompletableFuture<Void>> firsts = new ArrayList<>();
        for (Key k : wanted.keySet()) {
            if (!watches.containsKey(k)) {
                Watch w = new Watch(k.pool(), k.entry());
                watches.put(k, w);
                firsts.add(w.first);
                w.query();
            }
        }
        if (publishing) {
            Map<String, List<BackendConfig>> sets = setsByPool();
            for (String pool : touched) {
                publish.accept(pool, sets.getOrDefault(pool, List.of()));
            }
        }
        return firsts;
    }

    /** Every pool's DNS backends: the union of its entries' current targets, in entry order. */
    private Map<String, List<BackendConfig>> setsByPool() {
        Map<String, List<BackendConfig>> sets = new LinkedHashMap<>();
        for (Watch w : watches.values()) {
            List<BackendConfig> list = sets.computeIfAbsent(w.pool, k -> new ArrayList<>());
            for (Target t : w.refresh.current()) {
                list.add(new BackendConfig(new HostPort(t.address(), t.port()), t.weight(), t.backup(),
                        BackendOrigin.DNS, null));
            }
        }
        return sets;
    }

    private DnsNameResolver resolver() {
        if (resolver == null) {
            DnsNameResolverBuilder b = new DnsNameResolverBuilder(loop)
                    .datagramChannelType(transport.datagramChannel())
                    // An answer too large for UDP (the TC bit: many SRV records, a server without EDNS) is
                    // asked again over TCP, as RFC 7766 requires, instead of read as the empty part it is.
                    .socketChannelType(transport.socketChannel())
                    .queryTimeoutMillis(QUERY_TIMEOUT_MILLIS)
                    .recursionDesired(true);
            if (resolvers.isEmpty()) {
                b.nameServerProvider(DnsServerAddressStreamProviders.platformDefault());
            } else {
                List<InetSocketAddress> servers = new ArrayList<>();
                resolvers.forEach(r -> servers.add(r.resolve()));
                b.nameServerProvider(new SequentialDnsServerAddressStreamProvider(servers));
            }
            resolver = b.build();
        }
        return resolver;
    }

    /** One DNS entry of one pool: its state, its next query, its meters. Loop-confined. */
    private final class Watch {
        final String pool;
        final DnsBackendConfig entry;
        final DnsRefresh refresh;
        final CompletableFuture<Void> first = new CompletableFuture<>();
        final Map<Result, Counter> resolutions = new EnumMap<>(Result.class);
        final List<Meter> meters = new ArrayList<>();
        volatile int backends;
        volatile int held;
        ScheduledFuture<?> next;
        boolean stopped;

        Watch(String pool, DnsBackendConfig entry) {
            this.pool = pool;
            this.entry = entry;
            this.refresh = new DnsRefresh(entry.ttlMin(), entry.ttlMax(), entry.hold());
            for (Result r : Result.values()) {
                Counter c = Counter.builder("tandem_dns_resolutions_total")
                        .description("resolutions of a dns / dns-srv backend entry, by result")
                        .tags("pool", pool, "name", entry.label(), "result", r.label())
                        .register(metrics.registry());
                resolutions.put(r, c);
                meters.add(c);
            }
            meters.add(Gauge.builder("tandem_dns_backends", this, w -> w.backends)
                    .description("backends a dns / dns-srv entry gives now")
                    .tags("pool", pool, "name", entry.label()).register(metrics.registry()));
            meters.add(Gauge.builder("tandem_dns_held", this, w -> w.held)
                    .description("1 while a dns / dns-srv entry keeps its last good answer through a failure")
                    .tags("pool", pool, "name", entry.label()).register(metrics.registry()));
        }

        void stop() {
            stopped = true;
            if (next != null) {
                next.cancel(false);
            }
            meters.forEach(metrics.registry()::remove);
            first.complete(null);
        }

        void query() {
            next = null;
            if (stopped || closed) {
                return;
            }
            Future<Answer> answer = entry.srv() ? srv(entry.name()) : addresses(entry.name(), entry.port(),
                    entry.weight(), entry.backup());
            answer.addListener(f -> {
                Answer a = f.isSuccess() ? (Answer) f.getNow()
                        : new Answer(Result.ERROR, List.of(), 0, String.valueOf(f.cause()));
                decided(a);
            });
        }

        private void decided(Answer a) {
            if (stopped) {
                return;
            }
            List<Target> before = refresh.current();
            long now = System.nanoTime();
            Decision d = a.result == Result.ANSWER ? refresh.answered(a.targets, a.ttlSeconds, now)
                    : refresh.failed(now);
            resolutions.get(a.result).increment();
            backends = d.targets().size();
            int wasHeld = held;
            held = d.held() ? 1 : 0;
            if (!d.targets().equals(before)) {
                log.info("pool {}: DNS {} gives {} backend(s){}: {}", pool, entry.label(), d.targets().size(),
                        a.result == Result.ANSWER ? "" : " (" + a.result.label() + ", hold over)", describe(d));
                if (publishing) {
                    publish.accept(pool, setsByPool().getOrDefault(pool, List.of()));
                }
            } else if (d.held() && wasHeld == 0) {
                log.warn("pool {}: DNS {} answered {} ({}); keeping the last {} backend(s) for at most {}", pool,
                        entry.label(), a.result.label(), a.detail, d.targets().size(),
                        io.tandem.config.Units.format(entry.hold()));
            }
            first.complete(null);
            next = loop.schedule(this::query, d.nextNanos(), TimeUnit.NANOSECONDS);
        }
    }

    private static String describe(Decision d) {
        StringBuilder s = new StringBuilder();
        for (Target t : d.targets()) {
            s.append(s.length() == 0 ? "" : ", ").append(new HostPort(t.address(), t.port()));
        }
        return s.length() == 0 ? "none" : s.toString();
    }

    /** What one resolution of an entry came to. */
    private record Answer(Result result, List<Target> targets, long ttlSeconds, String detail) {}

    /** The A and AAAA records of {@code name}, each a target on {@code port}. */
    private Future<Answer> addresses(String name, int port, int weight, boolean backup) {
        Promise<Answer> done = loop.newPromise();
        List<Records> parts = new ArrayList<>();
        for (DnsRecordType type : List.of(DnsRecordType.A, DnsRecordType.AAAA)) {
            query(name, type).addListener(f -> {
                parts.add(f.isSuccess() ? (Records) f.getNow() : Records.failed(String.valueOf(f.cause())));
                if (parts.size() == 2) {
                    done.setSuccess(combine(parts, port, weight, backup));
                }
            });
        }
        return done;
    }

    private static Answer combine(List<Records> parts, int port, int weight, boolean backup) {
        List<Target> targets = new ArrayList<>();
        long ttl = Long.MAX_VALUE;
        for (Records r : parts) {
            for (Address a : r.addresses) {
                targets.add(new Target(a.address, port, weight, backup));
                ttl = Math.min(ttl, a.ttl);
            }
        }
        if (!targets.isEmpty()) {
            return new Answer(Result.ANSWER, targets, ttl, "");
        }
        for (Records r : parts) {
            if (r.result == Result.NXDOMAIN) {
                return new Answer(Result.NXDOMAIN, List.of(), 0, r.detail);
            }
        }
        for (Records r : parts) {
            if (r.result == Result.ERROR) {
                return new Answer(Result.ERROR, List.of(), 0, r.detail);
            }
        }
        return new Answer(Result.EMPTY, List.of(), 0, "no A or AAAA record");
    }

    /**
     * The SRV records of {@code name}: each target's addresses (from the
     * answer's additional section, else asked for) on the record's port with
     * its weight; the lowest priority are primaries, the others backups.
     */
    private Future<Answer> srv(String name) {
        Promise<Answer> done = loop.newPromise();
        query(name, DnsRecordType.SRV).addListener(f -> {
            Records r = f.isSuccess() ? (Records) f.getNow() : Records.failed(String.valueOf(f.cause()));
            if (r.srv.isEmpty()) {
                done.setSuccess(new Answer(r.result == Result.ANSWER ? Result.EMPTY : r.result, List.of(), 0,
                        r.result == Result.ANSWER ? "no SRV record" : r.detail));
                return;
            }
            int lowest = r.srv.stream().mapToInt(s -> s.priority).min().orElse(0);
            List<Target> targets = new ArrayList<>();
            long[] ttl = {r.srv.stream().mapToLong(s -> s.ttl).min().orElse(0)};
            List<Srv> missing = new ArrayList<>();
            for (Srv s : r.srv) {
                List<Address> known = r.additional.getOrDefault(s.target, List.of());
                if (known.isEmpty()) {
                    missing.add(s);
                }
                for (Address a : known) {
                    targets.add(s.target(a.address, lowest));
                    ttl[0] = Math.min(ttl[0], a.ttl);
                }
            }
            if (missing.isEmpty()) {
                done.setSuccess(srvAnswer(targets, ttl[0]));
                return;
            }
            int[] left = {missing.size()};
            for (Srv s : missing) {
                addresses(s.target, s.port, 1, false).addListener(g -> {
                    Answer a = (Answer) g.getNow();
                    if (a != null && a.result == Result.ANSWER) {
                        for (Target t : a.targets) {
                            targets.add(s.target(t.address(), lowest));
                        }
                        ttl[0] = Math.min(ttl[0], a.ttlSeconds);
                    }
                    if (--left[0] == 0) {
                        done.setSuccess(srvAnswer(targets, ttl[0]));
                    }
                });
            }
        });
        return done;
    }

    private static Answer srvAnswer(List<Target> targets, long ttl) {
        return targets.isEmpty() ? new Answer(Result.EMPTY, List.of(), 0, "no address for any SRV target")
                : new Answer(Result.ANSWER, targets, ttl, "");
    }

    private record Address(String address, long ttl) {}

    private record Srv(int priority, int weight, int port, String target, long ttl) {

        Target target(String address, int lowestPriority) {
            return new Target(address, port, Math.max(1, Math.min(1000, weight)), priority != lowestPriority);
        }
    }

    /** One response, read: its result, its addresses or SRV records, and the additional section's addresses. */
    private record Records(Result result, List<Address> addresses, List<Srv> srv, Map<String, List<Address>> additional,
                           String detail) {

        static Records failed(String detail) {
            return new Records(Result.ERROR, List.of(), List.of(), Map.of(), detail);
        }
    }

    /** Asks {@code type} of {@code name} and reads the response (and releases it). */
    private Future<Records> query(String name, DnsRecordType type) {
        Promise<Records> done = loop.newPromise();
        Future<AddressedEnvelope<DnsResponse, InetSocketAddress>> f;
        try {
            f = resolver().query(new DefaultDnsQuestion(name.endsWith(".") ? name : name + ".", type));
        } catch (RuntimeException e) {
            return done.setSuccess(Records.failed(e.toString()));
        }
        f.addListener(x -> {
            if (!x.isSuccess()) {
                done.setSuccess(Records.failed(x.cause() == null ? "no answer" : x.cause().getMessage()));
                return;
            }
            @SuppressWarnings("unchecked")
            AddressedEnvelope<DnsResponse, InetSocketAddress> envelope =
                    (AddressedEnvelope<DnsResponse, InetSocketAddress>) x.getNow();
            try {
                done.setSuccess(read(envelope.content(), type));
            } finally {
                envelope.release();
            }
        });
        return done;
    }

    private static Records read(DnsResponse response, DnsRecordType type) {
        DnsResponseCode code = response.code();
        if (code.equals(DnsResponseCode.NXDOMAIN)) {
            return new Records(Result.NXDOMAIN, List.of(), List.of(), Map.of(), "NXDOMAIN");
        }
        if (!code.equals(DnsResponseCode.NOERROR)) {
            return new Records(Result.ERROR, List.of(), List.of(), Map.of(), code.toString());
        }
        List<Address> addresses = new ArrayList<>();
        List<Srv> srv = new ArrayList<>();
        for (int i = 0; i < response.count(DnsSection.ANSWER); i++) {
            DnsRecord r = response.recordAt(DnsSection.ANSWER, i);
            if (!(r instanceof DnsRawRecord raw) || !r.type().equals(type)) {
                continue;
            }
            if (type.equals(DnsRecordType.SRV)) {
                ByteBuf c = raw.content().duplicate();
                int priority = c.readUnsignedShort();
                int weight = c.readUnsignedShort();
                int port = c.readUnsignedShort();
                String target = DefaultDnsRecordDecoder.decodeName(c);
                srv.add(new Srv(priority, weight, port, trimDot(target), r.timeToLive()));
            } else {
                Address a = address(raw);
                if (a != null) {
                    addresses.add(a);
                }
            }
        }
        Map<String, List<Address>> additional = new LinkedHashMap<>();
        for (int i = 0; i < response.count(DnsSection.ADDITIONAL); i++) {
            DnsRecord r = response.recordAt(DnsSection.ADDITIONAL, i);
            if (r instanceof DnsRawRecord raw
                    && (r.type().equals(DnsRecordType.A) || r.type().equals(DnsRecordType.AAAA))) {
                Address a = address(raw);
                if (a != null) {
                    additional.computeIfAbsent(trimDot(r.name()), k -> new ArrayList<>()).add(a);
                }
            }
        }
        boolean any = !addresses.isEmpty() || !srv.isEmpty();
        return new Records(any ? Result.ANSWER : Result.EMPTY, addresses, srv, additional, any ? "" : "no record");
    }

    private static Address address(DnsRawRecord raw) {
        ByteBuf c = raw.content();
        int length = c.readableBytes();
        if (length != 4 && length != 16) {
            return null;
        }
        byte[] bytes = new byte[length];
        c.getBytes(c.readerIndex(), bytes);
        try {
            return new Address(InetAddress.getByAddress(bytes).getHostAddress(), raw.timeToLive());
        } catch (UnknownHostException e) {
            return null;
        }
    }

    private static String trimDot(String name) {
        return name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
    }
}
