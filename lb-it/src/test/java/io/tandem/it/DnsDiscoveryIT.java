package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.InetAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * DNS discovery against a real DNS server in this JVM (Netty's DNS codec on a
 * loopback UDP port) whose answers change while the daemon runs: addresses
 * come and go with no failed request, TTLs are clamped, NXDOMAIN is held, SRV
 * weights and priorities become backend weights and backups.
 */
class DnsDiscoveryIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    final TandemFixture lb = new TandemFixture();

    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private TestDnsServer dns() throws InterruptedException {
        return lb.closeAfter(new TestDnsServer());
    }

    /** A stub on loopback address {@code ip} and {@code port}: DNS gives addresses, the port is the entry's. */
    private StubBackend stubAt(String name, String ip, int port) throws Exception {
        return lb.closeAfter(new StubBackend(name, InetAddress.getByName(ip), port));
    }

    private JsonNode backends() {
        try {
            return JSON.readTree(lb.admin().get("/api/v1/pools/web/backends").body()).get("backends");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** address -> origin of the pool's backends now. */
    private Map<String, String> origins() {
        Map<String, String> out = new HashMap<>();
        backends().forEach(b -> out.put(b.get("address").asText(), b.get("origin").asText()));
        return out;
    }

    private HttpResponse<String> get() {
        try {
            return client.send(HttpRequest.newBuilder(lb.uri("web", "/")).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Which backend answered each of {@code n} requests, every one of which must get 200: name -> count. */
    private Map<String, Integer> answeredBy(int n) {
        Map<String, Integer> answered = new HashMap<>();
        for (int i = 0; i < n; i++) {
            HttpResponse<String> r = get();
            assertThat(r.statusCode()).isEqualTo(200);
            answered.merge(r.headers().firstValue("X-Backend").orElse("?"), 1, Integer::sum);
        }
        return answered;
    }

    /** A sample of entry {@code app.test:PORT} of pool web ({@code result} null for the gauges). */
    private double metric(String name, int port, String result) {
        PrometheusText scrape = PrometheusText.parse(lb.admin().get("/metrics").body());
        return result == null ? scrape.value(name, "pool", "web", "name", "app.test:" + port)
                : scrape.value(name, "pool", "web", "name", "app.test:" + port, "result", result);
    }

    // Addresses added to the answer become backends (checked first) and take traffic, addresses dropped
    // from it drain and go, and not one request of a steady load fails. TTL 0 is asked again no sooner
    // than ttl.min; a TTL of an hour no later than ttl.max.
    @Test
    void answersChangeAndBackendsFollow() throws Exception {
        TestDnsServer dns = dns();
        int port = Ports.free();
        stubAt("a", "127.0.0.2", port);
        stubAt("b", "127.0.0.3", port);
        dns.addresses("app.test", 0, "127.0.0.2");
        lb.config().listener("web", "web").raw("resolvers: [" + dns.address() + "]")
                .pool("web", p -> p.health("path: /health, interval: 100ms, timeout: 1s, rise: 1, fall: 1")
                        .entry("{ dns: app.test:" + port + ", ttl: { min: 300ms, max: 2s }, hold: 5s }"));
        lb.start();
        assertThat(origins()).isEqualTo(Map.of("127.0.0.2:" + port, "dns"));
        assertThat(get().headers().firstValue("X-Backend")).contains("a");

        // ttl 0 clamped to 300ms: 4 more resolutions take at least 900 ms
        int q0 = dns.queries("app.test");
        long t0 = System.nanoTime();
        Poll.until(Duration.ofSeconds(10), "4 more resolutions", () -> dns.queries("app.test") >= q0 + 4);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(900));

        try (LoadLoop load = new LoadLoop(lb.uri("web", "/"), 4, 200_000, Duration.ofMinutes(2))) {
            dns.addresses("app.test", 3600, "127.0.0.2", "127.0.0.3");
            Poll.until(Duration.ofSeconds(10), "b to take traffic", () -> load.answeredBy("b") > 50);
            assertThat(origins()).isEqualTo(Map.of("127.0.0.2:" + port, "dns", "127.0.0.3:" + port, "dns"));

            // ttl 3600 clamped to 2s: the next change is seen within about 2 s, not an hour
            dns.addresses("app.test", 3600, "127.0.0.3");
            long t1 = System.nanoTime();
            Poll.until(Duration.ofSeconds(6), "a to leave", () -> !origins().containsKey("127.0.0.2:" + port));
            assertThat(Duration.ofNanos(System.nanoTime() - t1)).isLessThan(Duration.ofSeconds(4));
            long byA = load.answeredBy("a");
            long before = load.ok.get();
            Poll.until(Duration.ofSeconds(10), "200 more requests", () -> load.ok.get() > before + 200);
            load.stop();
            assertThat(load.failures).isEmpty();
            assertThat(load.answeredBy("a")).isEqualTo(byA);
        }
        assertThat(metric("tandem_dns_resolutions_total", port, "answer")).isGreaterThanOrEqualTo(6);
        assertThat(metric("tandem_dns_resolutions_total", port, "error")).isZero();
        assertThat(metric("tandem_dns_backends", port, null)).isEqualTo(1);
    }

    // NXDOMAIN keeps the last good backends for `hold` (counted, and shown as held), then they go
    // and the pool answers 503; a good answer brings them back.
    @Test
    void nxdomainIsHeldThenDropped() throws Exception {
        TestDnsServer dns = dns();
        int port = Ports.free();
        stubAt("a", "127.0.0.2", port);
        dns.addresses("app.test", 1, "127.0.0.2");
        lb.config().listener("web", "web").raw("resolvers: [" + dns.address() + "]")
                .pool("web", p -> p.entry("{ dns: app.test:" + port + ", ttl: { min: 200ms, max: 1s }, hold: 2s }"));
        lb.start();

        dns.nxdomain("app.test");
        Poll.until(Duration.ofSeconds(5), "an NXDOMAIN held",
                () -> metric("tandem_dns_held", port, null) == 1);
        long heldAt = System.nanoTime();
        assertThat(get().headers().firstValue("X-Backend")).contains("a");
        assertThat(metric("tandem_dns_resolutions_total", port, "nxdomain")).isGreaterThanOrEqualTo(1);

        Poll.until(Duration.ofSeconds(10), "the hold to end", () -> backends().isEmpty());
        assertThat(Duration.ofNanos(System.nanoTime() - heldAt)).isGreaterThanOrEqualTo(Duration.ofMillis(1500));
        HttpResponse<String> none = get();
        assertThat(none.statusCode()).isEqualTo(503);
        assertThat(metric("tandem_dns_held", port, null)).isZero();

        dns.addresses("app.test", 1, "127.0.0.2");
        Poll.until(Duration.ofSeconds(10), "a back", () -> origins().containsKey("127.0.0.2:" + port));
        Poll.until(Duration.ofSeconds(10), "a answering", () -> get().statusCode() == 200);
        assertThat(get().headers().firstValue("X-Backend")).contains("a");
    }

    // An SRV answer: each record a backend on its own port with its weight; the lowest priority are
    // primaries, the higher one a backup that takes no request while they are up.
    @Test
    void srvWeightsAndPriorities() throws Exception {
        TestDnsServer dns = dns();
        StubBackend a = lb.stub("a");
        StubBackend b = lb.stub("b");
        StubBackend c = lb.stub("c");
        dns.srv("_http._tcp.svc.test", 30,
                new TestDnsServer.Srv(10, 3, a.port(), "a.svc.test", "127.0.0.1"),
                new TestDnsServer.Srv(10, 1, b.port(), "b.svc.test", "127.0.0.1"),
                new TestDnsServer.Srv(20, 5, c.port(), "c.svc.test", "127.0.0.1"));
        lb.config().listener("web", "web").raw("resolvers: [" + dns.address() + "]")
                .pool("web", p -> p.strategy("weighted-round-robin").entry("{ dns-srv: _http._tcp.svc.test }"));
        lb.start();

        Map<String, String> seen = new HashMap<>();
        backends().forEach(x -> seen.put(x.get("address").asText(),
                x.get("origin").asText() + " weight " + x.get("weight").asInt() + " backup " + x.get("backup")));
        assertThat(seen).isEqualTo(Map.of(
                a.address(), "dns weight 3 backup false",
                b.address(), "dns weight 1 backup false",
                c.address(), "dns weight 5 backup true"));
        assertThat(answeredBy(400)).isEqualTo(Map.of("a", 300, "b", 100));
    }

    // An answer too large for UDP comes back truncated (the TC bit, no records); the query is asked again
    // over TCP, and its records become the pool's backends as they would over UDP.
    @Test
    void aTruncatedAnswerIsAskedAgainOverTcp() throws Exception {
        TestDnsServer dns = dns();
        StubBackend a = lb.stub("a");
        StubBackend b = lb.stub("b");
        dns.srv("_http._tcp.big.test", 30,
                new TestDnsServer.Srv(10, 1, a.port(), "a.big.test", "127.0.0.1"),
                new TestDnsServer.Srv(10, 1, b.port(), "b.big.test", "127.0.0.1"));
        dns.tooLargeForUdp("_http._tcp.big.test");
        lb.config().listener("web", "web").raw("resolvers: [" + dns.address() + "]")
                .pool("web", p -> p.entry("{ dns-srv: _http._tcp.big.test }"));
        lb.start();

        assertThat(origins()).isEqualTo(Map.of(a.address(), "dns", b.address(), "dns"));
        assertThat(dns.tcpQueries("_http._tcp.big.test")).isPositive();
        assertThat(answeredBy(10)).isEqualTo(Map.of("a", 5, "b", 5));
    }
}
