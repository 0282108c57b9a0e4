package io.tandem.it;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.dns.DatagramDnsQuery;
import io.netty.handler.codec.dns.DatagramDnsQueryDecoder;
import io.netty.handler.codec.dns.DatagramDnsResponse;
import io.netty.handler.codec.dns.DatagramDnsResponseEncoder;
import io.netty.handler.codec.dns.DefaultDnsRawRecord;
import io.netty.handler.codec.dns.DefaultDnsResponse;
import io.netty.handler.codec.dns.DnsQuery;
import io.netty.handler.codec.dns.DnsQuestion;
import io.netty.handler.codec.dns.DnsResponse;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.dns.DnsSection;
import io.netty.handler.codec.dns.TcpDnsQueryDecoder;
import io.netty.handler.codec.dns.TcpDnsResponseEncoder;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real authoritative DNS server on a loopback port, UDP and TCP, built on
 * Netty's DNS codec, whose answers a test changes while Tandem asks it: A
 * records with a TTL, SRV records with weights, priorities and the targets'
 * addresses in the additional section, NXDOMAIN, or SERVFAIL. A name may be
 * marked too large for UDP: there it gets an empty answer with the TC
 * (truncated) bit, as a server does whose answer does not fit, and the whole
 * answer over TCP. Counts the queries per name, and those over TCP.
 */
final class TestDnsServer implements AutoCloseable {

    /** One SRV record: its target's addresses go into the additional section. */
    record Srv(int priority, int weight, int port, String target, String address) {}

    /** What the server answers for one name. */
    private sealed interface Answer permits Addresses, Services, Code {}

    private record Addresses(List<String> addresses, long ttl) implements Answer {}

    private record Services(List<Srv> records, long ttl) implements Answer {}

    private record Code(DnsResponseCode code) implements Answer {}

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel channel;
    private final Channel tcp;
    private final Map<String, Answer> zone = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> queries = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> tcpQueries = new ConcurrentHashMap<>();
    private final Set<String> truncated = ConcurrentHashMap.newKeySet();

    TestDnsServer() throws InterruptedException {
        channel = new Bootstrap().group(group).channel(NioDatagramChannel.class)
                .handler(new ChannelInitializer<DatagramChannel>() {
                    @Override
                    protected void initChannel(DatagramChannel ch) {
                        ch.pipeline().addLast(new DatagramDnsQueryDecoder(), new DatagramDnsResponseEncoder(),
                                new Responder(false));
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        tcp = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new TcpDnsQueryDecoder(), new TcpDnsResponseEncoder(),
                                new Responder(true));
                    }
                })
                .bind(channel.localAddress()).sync().channel();
    }

    /** {@code 127.0.0.1:PORT}, for the config's {@code resolvers}. */
    String address() {
        return "127.0.0.1:" + ((InetSocketAddress) channel.localAddress()).getPort();
    }

    /** {@code name} has these A (or AAAA) records with this TTL from now on. */
    void addresses(String name, long ttl, String... addresses) {
        zone.put(key(name), new Addresses(List.of(addresses), ttl));
    }

    /** {@code name} has these SRV records with this TTL from now on. */
    void srv(String name, long ttl, Srv... records) {
        zone.put(key(name), new Services(List.of(records), ttl));
    }

    /** Over UDP, {@code name} gets an empty answer with the TC bit from now on; its answer comes over TCP. */
    void tooLargeForUdp(String name) {
        truncated.add(key(name));
    }

    /** Queries of {@code name} over TCP so far (AAAA not counted). */
    int tcpQueries(String name) {
        AtomicInteger n = tcpQueries.get(key(name));
        return n == null ? 0 : n.get();
    }

    /** {@code name} does not exist from now on. */
    void nxdomain(String name) {
        zone.put(key(name), new Code(DnsResponseCode.NXDOMAIN));
    }

    /** Queries of {@code name} so far: A and SRV (one per resolution; the AAAA beside each A is not counted). */
    int queries(String name) {
        AtomicInteger n = queries.get(key(name));
        return n == null ? 0 : n.get();
    }

    private static String key(String name) {
        return (name.endsWith(".") ? name : name + ".").toLowerCase(java.util.Locale.ROOT);
    }

    private final class Responder extends SimpleChannelInboundHandler<DnsQuery> {

        private final boolean overTcp;

        Responder(boolean overTcp) {
            this.overTcp = overTcp;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DnsQuery query) throws Exception {
            DnsQuestion question = query.recordAt(DnsSection.QUESTION);
            String name = key(question.name());
            if (!question.type().equals(DnsRecordType.AAAA)) {
                queries.computeIfAbsent(name, k -> new AtomicInteger()).incrementAndGet();
                if (overTcp) {
                    tcpQueries.computeIfAbsent(name, k -> new AtomicInteger()).incrementAndGet();
                }
            }
            DnsResponse response = query instanceof DatagramDnsQuery udp
                    ? new DatagramDnsResponse(udp.recipient(), udp.sender(), query.id())
                    : new DefaultDnsResponse(query.id());
            response.setAuthoritativeAnswer(true);
            response.addRecord(DnsSection.QUESTION, question);
            Answer answer = zone.get(name);
            if (!overTcp && truncated.contains(name)) {
                response.setTruncated(true);
            } else if (answer == null) {
                response.setCode(DnsResponseCode.NXDOMAIN);
            } else if (answer instanceof Code c) {
                response.setCode(c.code());
            } else if (answer instanceof Addresses a) {
                for (String address : a.addresses()) {
                    byte[] bytes = InetAddress.getByName(address).getAddress();
                    DnsRecordType type = bytes.length == 4 ? DnsRecordType.A : DnsRecordType.AAAA;
                    if (type.equals(question.type())) {
                        response.addRecord(DnsSection.ANSWER, new DefaultDnsRawRecord(question.name(), type,
                                a.ttl(), Unpooled.wrappedBuffer(bytes)));
                    }
                }
            } else if (answer instanceof Services s && question.type().equals(DnsRecordType.SRV)) {
                for (Srv r : s.records()) {
                    ByteBuf rdata = Unpooled.buffer();
                    rdata.writeShort(r.priority()).writeShort(r.weight()).writeShort(r.port());
                    writeName(rdata, r.target());
                    response.addRecord(DnsSection.ANSWER, new DefaultDnsRawRecord(question.name(),
                            DnsRecordType.SRV, s.ttl(), rdata));
                    response.addRecord(DnsSection.ADDITIONAL, new DefaultDnsRawRecord(key(r.target()),
                            DnsRecordType.A, s.ttl(), Unpooled.wrappedBuffer(ipv4(r.address()))));
                }
            }
            ctx.writeAndFlush(response);
        }
    }

    private static byte[] ipv4(String address) throws UnknownHostException {
        return InetAddress.getByName(address).getAddress();
    }

    private static void writeName(ByteBuf out, String name) {
        for (String label : key(name).split("\\.")) {
            byte[] bytes = label.getBytes(StandardCharsets.US_ASCII);
            out.writeByte(bytes.length).writeBytes(bytes);
        }
        out.writeByte(0);
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly();
        tcp.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).awaitUninterruptibly();
    }
}
