package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every balancing strategy, sticky sessions and backup backends through the
 * real daemon: one tandem process with a listener (and pool) per case, in
 * front of three stub backends a, b, c that name themselves in X-Backend.
 */
class StrategiesIT {

    @RegisterExtension
    static final TandemFixture lb = new TandemFixture();

    static StubBackend a;
    static StubBackend b;
    static StubBackend c;
    static final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws Exception {
        a = lb.stub("a");
        b = lb.stub("b");
        c = lb.stub("c");
        Map<String, Consumer<TandemConfig.Pool>> pools = new LinkedHashMap<>();
        pools.put("rr", p -> p.strategy("round-robin").backends(a, b, c));
        pools.put("wrr", p -> p.strategy("weighted-round-robin").backend(a, "weight: 5").backends(b, c));
        pools.put("lc", p -> p.strategy("least-connections").backends(a, b, c));
        pools.put("p2c", p -> p.strategy("power-of-two").backends(a, b, c));
        pools.put("ch", p -> p.strategy("consistent-hash").set("hash-on", "header:X-User").backends(a, b, c));
        pools.put("chcookie", p -> p.strategy("consistent-hash").set("hash-on", "cookie:sid").backends(a, b, c));
        pools.put("random", p -> p.strategy("random").backends(a, b, c));
        pools.put("sticky", p -> p.strategy("round-robin").set("sticky", "{ cookie: SRV }").backends(a, b, c));
        pools.put("wrrlive", p -> p.strategy("weighted-round-robin").backends(a, b, c));
        pools.put("slow", p -> p.strategy("weighted-round-robin").set("slow-start", "60s").backends(a, b));
        pools.put("backup", p -> p.backend(a).backend(b, "backup: true"));
        // A listener per case, named as its pool.
        pools.forEach((name, pool) -> lb.config().listener(name, name).pool(name, pool));
        lb.start();
    }

    private static HttpResponse<String> get(String listener, String path, String... headers) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(lb.uri(listener, path))
                .timeout(Duration.ofSeconds(20));
        if (headers.length > 0) {
            r.headers(headers);
        }
        HttpResponse<String> response = client.send(r.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("status of %s %s", listener, path).isEqualTo(200);
        return response;
    }

    /** POST /api/v1/pools/POOL/backends/ADDRESS/ACTION on the admin port; asserts 200. */
    private static void admin(String pool, StubBackend backend, String action) throws Exception {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(lb.admin().uri(
                        "/api/v1/pools/" + pool + "/backends/" + backend.address() + "/" + action))
                .POST(HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("%s %s of %s: %s", action, backend.name, pool, r.body()).isEqualTo(200);
    }

    /** How many of the letters in a space-separated answer list are {@code name}. */
    private static long count(String answers, String name) {
        return java.util.Arrays.stream(answers.split(" ")).filter(name::equals).count();
    }

    private static String backendOf(HttpResponse<String> r) {
        return r.headers().firstValue("X-Backend").orElseThrow();
    }

    private static String answers(String listener, int n, String... headers) throws Exception {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(backendOf(get(listener, "/", headers)));
        }
        return String.join(" ", out);
    }

    // round-robin: six requests go a b c a b c.
    @Test
    void roundRobin() throws Exception {
        assertThat(answers("rr", 6)).isEqualTo("a b c a b c");
    }

    // weighted-round-robin with weights 5,1,1: nginx's smooth order a a b a c a a, twice.
    @Test
    void weightedRoundRobin() throws Exception {
        assertThat(answers("wrr", 14)).isEqualTo("a a b a c a a a a b a c a a");
    }

    // least-connections: while a holds a request, the next requests alternate between b and c.
    @Test
    void leastConnections() throws Exception {
        CompletableFuture<HttpResponse<String>> hold = client.sendAsync(
                HttpRequest.newBuilder(lb.uri("lc", "/park")).build(),
                HttpResponse.BodyHandlers.ofString());
        try {
            Poll.until(Duration.ofSeconds(10), "the parked request to reach a", () -> a.parked.get() == 1);
            // Rotation counter: the parked request took 0; ties b,c are chosen by 1%2, 2%2, ...
            assertThat(answers("lc", 4)).isEqualTo("c b c b");
        } finally {
            a.releaseParked();
        }
        assertThat(backendOf(hold.get())).isEqualTo("a");
    }

    // power-of-two: the backend holding a parked request never wins against an idle one; both idle ones answer.
    @Test
    void powerOfTwo() throws Exception {
        CompletableFuture<HttpResponse<String>> hold = client.sendAsync(
                HttpRequest.newBuilder(lb.uri("p2c", "/park")).build(),
                HttpResponse.BodyHandlers.ofString());
        StubBackend busy;
        try {
            Poll.until(Duration.ofSeconds(10), "the parked request to reach a backend",
                    () -> a.parked.get() + b.parked.get() + c.parked.get() == 1);
            busy = a.parked.get() == 1 ? a : b.parked.get() == 1 ? b : c;
            Set<String> answered = new HashSet<>(List.of(answers("p2c", 40).split(" ")));
            // 40 requests: each idle backend is missed by all with probability 2^-40.
            assertThat(answered).doesNotContain(busy.name).hasSize(2);
        } finally {
            a.releaseParked();
            b.releaseParked();
            c.releaseParked();
        }
        assertThat(backendOf(hold.get())).isEqualTo(busy.name);
    }

    // consistent-hash on X-User: each user sticks to one backend; users spread; no header goes round-robin.
    @Test
    void consistentHash() throws Exception {
        Set<String> used = new HashSet<>();
        for (int u = 0; u < 20; u++) {
            String first = answers("ch", 1, "X-User", "user-" + u);
            assertThat(answers("ch", 3, "X-User", "user-" + u)).isEqualTo(first + " " + first + " " + first);
            used.add(first);
        }
        assertThat(used).hasSizeGreaterThan(1);
        assertThat(answers("ch", 4)).isEqualTo("a b c a");
    }

    // consistent-hash on cookie sid: the same session id sticks among other cookies; ids spread.
    @Test
    void consistentHashOnCookie() throws Exception {
        Set<String> used = new HashSet<>();
        for (int u = 0; u < 20; u++) {
            String first = answers("chcookie", 1, "Cookie", "sid=s" + u);
            assertThat(answers("chcookie", 2, "Cookie", "theme=dark; sid=s" + u + "; lang=en"))
                    .isEqualTo(first + " " + first);
            used.add(first);
        }
        assertThat(used).hasSizeGreaterThan(1);
    }

    // random: 60 requests reach all three backends and no other.
    @Test
    void random() throws Exception {
        Set<String> answered = new HashSet<>(List.of(answers("random", 60).split(" ")));
        assertThat(answered).containsExactlyInAnyOrder("a", "b", "c");
    }

    // sticky: the first answer sets SRV (an opaque id, Path=/, HttpOnly); requests carrying it stay on that
    // backend without a new cookie; requests without it, with an unknown id, or naming a drained backend are
    // balanced and get one; once the backend is enabled again its cookie leads there again.
    @Test
    void stickySessions() throws Exception {
        HttpResponse<String> first = get("sticky", "/");
        String setCookie = first.headers().firstValue("Set-Cookie").orElseThrow();
        assertThat(setCookie).matches("SRV=[0-9a-f]{16}; Path=/; HttpOnly").doesNotContain("127.0.0.1");
        String cookie = setCookie.substring(0, setCookie.indexOf(';'));
        String owner = backendOf(first);
        assertThat(owner).isEqualTo("a");
        for (int i = 0; i < 5; i++) {
            HttpResponse<String> r = get("sticky", "/", "Cookie", "theme=dark; " + cookie);
            assertThat(backendOf(r)).isEqualTo(owner);
            assertThat(r.headers().firstValue("Set-Cookie")).isEmpty();
        }
        HttpResponse<String> fresh = get("sticky", "/");
        assertThat(backendOf(fresh)).isEqualTo("b");
        Optional<String> other = fresh.headers().firstValue("Set-Cookie");
        assertThat(other).isPresent();
        assertThat(other.get()).startsWith("SRV=").isNotEqualTo(setCookie);
        HttpResponse<String> unknown = get("sticky", "/", "Cookie", "SRV=0123456789abcdef");
        assertThat(backendOf(unknown)).isEqualTo("c");
        assertThat(unknown.headers().firstValue("Set-Cookie").orElseThrow()).startsWith("SRV=")
                .doesNotContain("0123456789abcdef");
        // The named backend drained: the client is balanced elsewhere and gets a cookie for its new backend.
        admin("sticky", a, "drain");
        try {
            HttpResponse<String> moved = get("sticky", "/", "Cookie", cookie);
            assertThat(backendOf(moved)).isIn("b", "c");
            String movedCookie = moved.headers().firstValue("Set-Cookie").orElseThrow();
            assertThat(movedCookie).startsWith("SRV=").isNotEqualTo(setCookie);
            String next = movedCookie.substring(0, movedCookie.indexOf(';'));
            assertThat(answers("sticky", 3, "Cookie", next)).isEqualTo(String.join(" ",
                    backendOf(moved), backendOf(moved), backendOf(moved)));
        } finally {
            admin("sticky", a, "enable");
        }
        assertThat(backendOf(get("sticky", "/", "Cookie", cookie))).isEqualTo("a");
    }

    // Backups: the backup answers nothing while the primary is up, everything while it is drained,
    // and nothing again once the primary is enabled.
    @Test
    void backupOnlyWhenNoPrimaryIsUp() throws Exception {
        assertThat(answers("backup", 4)).isEqualTo("a a a a");
        admin("backup", a, "drain");
        try {
            assertThat(answers("backup", 4)).isEqualTo("b b b b");
        } finally {
            admin("backup", a, "enable");
        }
        assertThat(answers("backup", 4)).isEqualTo("a a a a");
    }

    // A weight set at runtime (admin API) rebuilds the smooth schedule: weights 3,1,1 give, over any
    // two full periods (10 requests), exactly 6 a, 2 b and 2 c.
    @Test
    void weightedRoundRobinFollowsRuntimeWeights() throws Exception {
        assertThat(answers("wrrlive", 3)).isEqualTo("a b c");
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(lb.admin().uri(
                        "/api/v1/pools/wrrlive/backends/" + a.address() + "/weight?weight=3"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        String ten = answers("wrrlive", 10);
        assertThat(count(ten, "a")).as(ten).isEqualTo(6);
        assertThat(count(ten, "b")).as(ten).isEqualTo(2);
        assertThat(count(ten, "c")).as(ten).isEqualTo(2);
    }

    // Slow start (60 s): a backend enabled again starts at 1/16 of its share, so any 17 consecutive
    // requests (one period of weights 16:1) reach it exactly once; before, the two alternated.
    @Test
    void slowStartRampsAReturningBackend() throws Exception {
        String before = answers("slow", 4);
        assertThat(count(before, "b")).as(before).isEqualTo(2);
        admin("slow", b, "drain");
        assertThat(answers("slow", 2)).isEqualTo("a a");
        admin("slow", b, "enable");
        String ramping = answers("slow", 17);
        assertThat(count(ramping, "b")).as(ramping).isEqualTo(1);
        assertThat(count(ramping, "a")).as(ramping).isEqualTo(16);
    }
}
