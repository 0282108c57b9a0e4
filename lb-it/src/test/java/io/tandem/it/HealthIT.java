package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Health checks, outlier ejection and drain with real processes: the built
 * jar in front of three {@link StubServerMain} backends, each its own JVM, that
 * the tests kill (SIGKILL), freeze (SIGSTOP), restart and make fail, under a
 * steady load of GET requests from {@link SocketLoadLoop}.
 */
class HealthIT {

    /** Checks every 200ms, 500ms timeout, rise 2, fall 3: a dead backend is down within 3 × 200ms + 500ms. */
    static final Duration INTERVAL = Duration.ofMillis(200);
    static final Duration TIMEOUT = Duration.ofMillis(500);
    /** The pool's response timeout (the checks' is {@link #TIMEOUT}). */
    static final Duration TIMEOUT_RESPONSE = Duration.ofSeconds(2);
    static final int RISE = 2;
    static final int FALL = 3;
    /** Time a poll of /status may add on a busy machine, over the bound the checks promise. */
    static final Duration POLL_SLACK = Duration.ofMillis(700);
    static final int CLIENTS = 4;

    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @RegisterExtension
    final TandemFixture lb = new TandemFixture();

    final List<BackendProcess> backends = new ArrayList<>();
    /** The addresses of backends a, b, c in order, also of those with no process. */
    final List<String> addresses = new ArrayList<>();
    int port;
    SocketLoadLoop load;

    @AfterEach
    void stopLoad() throws Exception {
        if (load != null) {
            load.stop();
        }
    }

    /** Starts backends a, b, c (health modes as given; null: no process on its port) and Tandem in front. */
    private void start(String... healthModes) throws Exception {
        startWith(p -> p.health("path: /health, interval: " + INTERVAL.toMillis() + "ms, timeout: "
                + TIMEOUT.toMillis() + "ms, rise: " + RISE + ", fall: " + FALL), healthModes);
    }

    /** Starts backends and Tandem; {@code checks} sets the pool's health/outlier keys. */
    private void startWith(Consumer<TandemConfig.Pool> checks, String... healthModes) throws Exception {
        TandemConfig.Pool pool = lb.config().listener("web", "web").pool("web")
                .retries(2).timeouts("connect: 500ms, response: " + TIMEOUT_RESPONSE.toSeconds() + "s");
        checks.accept(pool);
        for (int i = 0; i < healthModes.length; i++) {
            String address = TandemFixture.unusedAddress();
            if (healthModes[i] != null) {
                BackendProcess b = lb.backendProcess(String.valueOf((char) ('a' + i)), healthModes[i]);
                backends.add(b);
                address = b.address();
            }
            addresses.add(address);
            pool.backend(address);
        }
        lb.start();
        port = lb.port("web");
    }

    private BackendProcess backend(String name) {
        return backends.stream().filter(b -> b.name.equals(name)).findFirst().orElseThrow();
    }

    private JsonNode status() {
        return lb.admin().status();
    }

    private JsonNode backendStatus(String address) {
        return lb.admin().backend("web", address);
    }

    private String state(String address) {
        try {
            return backendStatus(address).path("state").asText();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private String metrics() {
        return lb.admin().get("/metrics").body();
    }

    /** The value of one sample of /metrics, or -1 when absent. */
    private double metric(String name, String labels) throws Exception {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name + "{" + labels) + "[^}]*\\} (\\S+)$").matcher(metrics());
        return m.find() ? Double.parseDouble(m.group(1)) : -1;
    }

    private HttpResponse<String> admin(String method, String path) throws Exception {
        return client.send(HttpRequest.newBuilder(lb.admin().uri(path))
                .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Log lines of Tandem about state changes of {@code address}. */
    private List<String> stateLines(String address) {
        return lb.output().lines().filter(l -> l.contains("pool web backend " + address + " "))
                .collect(Collectors.toList());
    }

    /** What the state lines of {@code address} say, without timestamp and prefix: "up -> down: why". */
    private List<String> transitions(String address) {
        String prefix = "pool web backend " + address + " ";
        return stateLines(address).stream().map(l -> l.substring(l.indexOf(prefix) + prefix.length()))
                .collect(Collectors.toList());
    }

    private void awaitState(String address, String state, Duration timeout) {
        Poll.until(timeout, address + " to be " + state + "\n" + lb.output(), () -> state.equals(state(address)));
    }

    private void awaitCompleted(int n) {
        Poll.until(Duration.ofSeconds(30), n + " load requests", () -> load.completed() >= n || !load.running());
        assertThat(load.completed()).as("load requests completed").isGreaterThanOrEqualTo(n);
    }

    private static List<SocketLoadLoop.Result> failures(List<SocketLoadLoop.Result> results) {
        return results.stream().filter(r -> !r.ok()).collect(Collectors.toList());
    }

    /**
     * The failures a SIGKILL of {@code killed} may cause: none but responses it had begun. The stub
     * writes a head and then its body, and a kill between the two leaves the client a head without
     * its body; the head went on at once, so no proxy could answer that request from another backend.
     */
    private static List<SocketLoadLoop.Result> failuresBesidesCutsBy(List<SocketLoadLoop.Result> results,
            String killed) {
        List<SocketLoadLoop.Result> failed = failures(results);
        List<SocketLoadLoop.Result> cut = failed.stream()
                .filter(r -> killed.equals(r.backend())
                        && SocketLoadLoop.CutResponse.MESSAGE.equals(r.error()))
                .collect(Collectors.toList());
        // At most one response in flight per client connection when the backend died.
        assertThat(cut.size()).as("responses cut by the kill: " + cut).isLessThanOrEqualTo(CLIENTS);
        failed.removeAll(cut);
        return failed;
    }

    private static long answeredBy(List<SocketLoadLoop.Result> results, String name) {
        return results.stream().filter(r -> name.equals(r.backend())).count();
    }

    // SIGKILL of one of three backends under load: no client request fails (but a response the
    // backend had begun, see failuresBesidesCutsBy), and the backend is marked down within
    // fall × interval + one timeout, as /status, /metrics and the log say.
    @Test
    void sigkillUnderLoadFailsNoRequest() throws Exception {
        start("ok", "ok", "ok");
        BackendProcess b = backend("b");
        load = SocketLoadLoop.start(port, CLIENTS, 200_000, Duration.ofSeconds(60));
        awaitCompleted(300);

        long killed = System.nanoTime();
        b.kill();
        awaitState(b.address(), "down", Duration.ofSeconds(10));
        long downAfterMillis = (System.nanoTime() - killed) / 1_000_000;
        int atDown = load.completed();
        awaitCompleted(atDown + 500);
        List<SocketLoadLoop.Result> results = load.stop();

        assertThat(failuresBesidesCutsBy(results, "b")).as("failed client requests").isEmpty();
        long bound = FALL * INTERVAL.toMillis() + TIMEOUT.toMillis();
        System.out.printf("sigkill: marked down after %d ms (bound %d ms + %d ms poll slack), %d requests%n",
                downAfterMillis, bound, POLL_SLACK.toMillis(), results.size());
        assertThat(downAfterMillis).isLessThanOrEqualTo(bound + POLL_SLACK.toMillis());
        assertThat(answeredBy(results, "a")).isPositive();
        assertThat(answeredBy(results, "c")).isPositive();

        JsonNode s = backendStatus(b.address());
        assertThat(s.path("checks").asText()).isEqualTo("down");
        assertThat(s.path("lastCheck").path("result").asText()).isEqualTo("fail");
        assertThat(s.path("lastCheck").path("detail").asText()).isEqualTo("connection refused");
        assertThat(metric("tandem_backend_up", "backend=\"" + b.address() + "\",pool=\"web\"")).isEqualTo(0.0);
        assertThat(metric("tandem_backend_up", "backend=\"" + backend("a").address() + "\",pool=\"web\""))
                .isEqualTo(1.0);
        assertThat(metric("tandem_health_checks_total", "backend=\"" + b.address() + "\",pool=\"web\",result=\"fail\""))
                .isGreaterThanOrEqualTo(FALL);
        assertThat(stateLines(b.address())).anyMatch(l -> l.endsWith(" -> down: " + FALL
                + " consecutive checks failed (last: connection refused)"));
    }

    // A backend restarted on its port returns to rotation after exactly `rise` passing checks and takes requests again.
    @Test
    void restartedBackendReturnsAfterRise() throws Exception {
        start("ok", "ok", "ok");
        BackendProcess b = backend("b");
        b.kill();
        awaitState(b.address(), "down", Duration.ofSeconds(10));
        backends.remove(b);
        backends.add(lb.backendProcess("b", b.port, "ok"));
        awaitState(b.address(), "up", Duration.ofSeconds(10));
        assertThat(stateLines(b.address())).last().asString()
                .endsWith("down -> up: " + RISE + " consecutive checks passed (last: HTTP 200)");

        load = SocketLoadLoop.start(port, CLIENTS, 300, Duration.ofSeconds(30));
        awaitCompleted(300);
        List<SocketLoadLoop.Result> results = load.stop();
        assertThat(failures(results)).isEmpty();
        assertThat(answeredBy(results, "b")).isPositive();
    }

    // SIGSTOP (the backend hangs): only requests already sent to it fail, each with 504 after the response
    // timeout, or, when the stop caught the backend between its response head and body, cut after the head
    // (the response timeout runs between two reads too); the timeout path of the checks marks it down;
    // every request sent after that succeeds.
    @Test
    void sigstopIsMarkedDownByTheTimeoutPath() throws Exception {
        start("ok", "ok", "ok");
        BackendProcess b = backend("b");
        load = SocketLoadLoop.start(port, CLIENTS, 200_000, Duration.ofSeconds(60));
        awaitCompleted(300);

        long frozen = System.nanoTime();
        b.freeze();
        awaitState(b.address(), "down", Duration.ofSeconds(10));
        long downAt = System.nanoTime();
        long downAfterMillis = (downAt - frozen) / 1_000_000;
        int atDown = load.completed();
        awaitCompleted(atDown + 500);
        List<SocketLoadLoop.Result> results = load.stop();

        List<SocketLoadLoop.Result> failed = failures(results);
        System.out.printf("sigstop: marked down after %d ms, %d of %d requests failed: %s%n", downAfterMillis,
                failed.size(), results.size(), failed);
        assertThat(failed.size()).as("failures: at most one request in flight per client").isLessThanOrEqualTo(CLIENTS);
        assertThat(failed).allSatisfy(r -> assertThat(r).satisfiesAnyOf(
                gatewayTimeout -> assertThat(gatewayTimeout.status()).isEqualTo(504),
                cut -> {
                    assertThat(cut.status()).isEqualTo(200);
                    assertThat(cut.backend()).isEqualTo("b");
                    assertThat(cut.error()).isEqualTo(SocketLoadLoop.CutResponse.MESSAGE);
                }));
        assertThat(failed).allSatisfy(r -> assertThat(r.answeredNanos() - r.sentNanos())
                .isLessThan(TIMEOUT_RESPONSE.plus(POLL_SLACK).toNanos()));
        assertThat(failed).allSatisfy(r -> assertThat(r.sentNanos()).isLessThan(downAt));
        long bound = FALL * Math.max(INTERVAL.toMillis(), TIMEOUT.toMillis()) + TIMEOUT.toMillis();
        assertThat(downAfterMillis).isLessThanOrEqualTo(bound + POLL_SLACK.toMillis());
        JsonNode s = backendStatus(b.address());
        assertThat(s.path("lastCheck").path("result").asText()).isEqualTo("timeout");
        assertThat(stateLines(b.address())).anyMatch(l -> l.endsWith(" -> down: " + FALL
                + " consecutive checks failed (last: no answer within " + TIMEOUT.toMillis() + "ms)"));
    }

    // At start every backend is checked before traffic: a backend answering its check with 500 and one that
    // is not running are down from the first request on; switching the 500 one to healthy brings it up.
    @Test
    void failingAndDeadBackendsAreOutFromTheFirstRequest() throws Exception {
        start("ok", "fail", null);
        BackendProcess b = backend("b");
        String deadAddress = stateAddresses().get(2);
        load = SocketLoadLoop.start(port, 1, 50, Duration.ofSeconds(30));
        awaitCompleted(50);
        List<SocketLoadLoop.Result> first = load.stop();
        assertThat(failures(first)).isEmpty();
        assertThat(answeredBy(first, "a")).isEqualTo(50);

        assertThat(state(b.address())).isEqualTo("down");
        assertThat(state(deadAddress)).isEqualTo("down");
        assertThat(backendStatus(b.address()).path("lastCheck").path("detail").asText())
                .isEqualTo("HTTP 500 (expected 200-399)");
        assertThat(stateLines(b.address())).first().asString()
                .endsWith("unchecked -> down: first check failed: HTTP 500 (expected 200-399)");
        assertThat(stateLines(deadAddress)).first().asString()
                .endsWith("unchecked -> down: first check failed: connection refused");
        int linesBeforeUp = lb.output().indexOf("checking 3 backends before accepting traffic");
        assertThat(linesBeforeUp).isNotNegative();
        assertThat(lb.output().indexOf("listener web on")).isGreaterThan(
                lb.output().indexOf("first check failed: connection refused"));

        b.health("ok");
        awaitState(b.address(), "up", Duration.ofSeconds(10));
        b.health("fail");
        awaitState(b.address(), "down", Duration.ofSeconds(10));
        assertThat(stateLines(b.address())).last().asString()
                .endsWith("up -> down: " + FALL + " consecutive checks failed (last: HTTP 500 (expected 200-399))");
    }

    private List<String> stateAddresses() {
        List<String> out = new ArrayList<>();
        for (JsonNode b : status().path("pools").path("web").path("backends")) {
            out.add(b.path("address").asText());
        }
        return out;
    }

    // A backend whose check flaps on every probe never changes state: rise=2/fall=3 need runs it never has.
    @Test
    void flappingBackendNeverOscillates() throws Exception {
        start("ok", "flap", "ok");
        BackendProcess b = backend("b");
        String labels = "backend=\"" + b.address() + "\",pool=\"web\",result=";
        Poll.until(Duration.ofSeconds(20), "20 checks of the flapping backend", () -> {
            try {
                return metric("tandem_health_checks_total", labels + "\"pass\"")
                        + metric("tandem_health_checks_total", labels + "\"fail\"") >= 20;
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        assertThat(metric("tandem_health_checks_total", labels + "\"pass\"")).isGreaterThanOrEqualTo(9);
        assertThat(metric("tandem_health_checks_total", labels + "\"fail\"")).isGreaterThanOrEqualTo(9);
        assertThat(stateLines(b.address())).hasSize(1);
        assertThat(stateLines(b.address()).get(0)).endsWith("unchecked -> up: first check passed: HTTP 200");
        assertThat(state(b.address())).isEqualTo("up");
    }

    // Drain under load: no request fails, no request sent after the drain reaches the backend, its pooled
    // connections close, /status and /metrics show it; enable brings it back. Bad admin calls get 404 and 405.
    @Test
    void drainUnderLoadSendsNothingNew() throws Exception {
        start("ok", "ok", "ok");
        BackendProcess b = backend("b");
        load = SocketLoadLoop.start(port, CLIENTS, 200_000, Duration.ofSeconds(60));
        awaitCompleted(300);

        assertThat(TcpConnections.establishedTo(b.port)).as("pooled connections to b before the drain").isPositive();
        HttpResponse<String> drained = admin("POST", "/api/v1/pools/web/backends/" + b.address() + "/drain");
        long drainedAt = System.nanoTime();
        assertThat(drained.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(drained.body()).path("state").asText()).isEqualTo("draining");
        int atDrain = load.completed();
        // Idle pooled connections close at once, busy ones after their response.
        Poll.until(Duration.ofSeconds(5), "no connection to the drained backend",
                () -> TcpConnections.establishedTo(b.port) == 0);
        // Up to CLIENTS of the next answers may be to requests sent before the drain.
        awaitCompleted(atDrain + 500 + CLIENTS);
        JsonNode s = backendStatus(b.address());
        assertThat(s.path("state").asText()).isEqualTo("draining");
        assertThat(s.path("drained").asBoolean()).isTrue();
        assertThat(s.path("activeRequests").asInt()).isZero();
        assertThat(metric("tandem_backend_up", "backend=\"" + b.address() + "\",pool=\"web\"")).isEqualTo(0.0);

        long enableSentAt = System.nanoTime();
        assertThat(admin("POST", "/api/v1/pools/web/backends/" + b.address() + "/enable").statusCode()).isEqualTo(200);
        int atEnable = load.completed();
        awaitCompleted(atEnable + 300);
        List<SocketLoadLoop.Result> results = load.stop();

        assertThat(failures(results)).as("failed client requests").isEmpty();
        // Sent after the drain was in force, answered before the enable was even sent: picked while b was drained
        // (a request sent just before the enable may be read by the proxy after it, and rightly go to b).
        List<SocketLoadLoop.Result> whileDrained = results.stream()
                .filter(r -> r.sentNanos() > drainedAt && r.answeredNanos() < enableSentAt).collect(Collectors.toList());
        assertThat(whileDrained.size()).isGreaterThanOrEqualTo(500);
        assertThat(answeredBy(whileDrained, "b")).as("requests sent while drained that reached b").isZero();
        assertThat(answeredBy(whileDrained, "a")).isPositive();
        assertThat(answeredBy(whileDrained, "c")).isPositive();
        assertThat(answeredBy(results.stream().filter(r -> r.sentNanos() > enableSentAt).collect(Collectors.toList()),
                "b")).as("requests reaching b after enable").isPositive();
        assertThat(transitions(b.address())).containsExactly(
                "unchecked -> up: first check passed: HTTP 200",
                "up -> draining: drained through the admin API (asked by 127.0.0.1)",
                "draining -> up: enabled through the admin API (asked by 127.0.0.1)");

        assertThat(admin("POST", "/api/v1/pools/nope/backends/" + b.address() + "/drain").statusCode()).isEqualTo(404);
        assertThat(admin("POST", "/api/v1/pools/web/backends/127.0.0.1:1/drain").statusCode()).isEqualTo(404);
        assertThat(admin("GET", "/api/v1/pools/web/backends/" + b.address() + "/drain").statusCode()).isEqualTo(405);
    }

    // Passive only (no active checks): a killed backend is ejected by connection failures with no failed
    // client request (but a response it had begun), returns after ejection-time, and is ejected again
    // for twice as long.
    @Test
    void connectionFailuresEjectAndRepeatsDouble() throws Exception {
        startWith(p -> p.outlier("consecutive-failures: 3, ejection-time: 1s, max-ejection-time: 4s"), "ok", "ok", "ok");
        BackendProcess b = backend("b");
        load = SocketLoadLoop.start(port, CLIENTS, 200_000, Duration.ofSeconds(60));
        awaitCompleted(300);
        b.kill();
        awaitState(b.address(), "ejected", Duration.ofSeconds(5));
        Poll.until(Duration.ofSeconds(10), "a second ejection of b\n" + lb.output(),
                () -> transitions(b.address()).size() >= 3);
        List<SocketLoadLoop.Result> results = load.stop();

        assertThat(failuresBesidesCutsBy(results, "b")).as("failed client requests").isEmpty();
        List<String> t = transitions(b.address());
        // The run that first ejects b may end with a request in flight at the kill or with a refusal.
        assertThat(t.get(0)).matches("up -> ejected: ejected for 1s after 3 consecutive connection failures "
                + "\\(last: (connection refused"
                + "|connection lost (before the response|mid-response): connection (closed|reset))\\)");
        assertThat(t.subList(1, 3)).containsExactly(
                "ejected -> up: ejection time over",
                "up -> ejected: ejected for 2s after 3 consecutive connection failures (last: connection refused)");
        assertThat(metric("tandem_backend_ejections_total", "backend=\"" + b.address() + "\",pool=\"web\""))
                .isGreaterThanOrEqualTo(2.0);
        assertThat(backendStatus(b.address()).get("checks").isNull()).as("no active checks").isTrue();
        assertThat(backendStatus(b.address()).get("lastCheck").isNull()).isTrue();
    }

    // consecutive-5xx: 3 — one client in sequence sees exactly three 503s from a failing backend per ejection.
    @Test
    void consecutive5xxEject() throws Exception {
        startWith(p -> p.outlier("consecutive-5xx: 3, ejection-time: 1s, max-ejection-time: 4s"), "ok", "ok", "ok");
        BackendProcess b = backend("b");
        b.answer(503);
        load = SocketLoadLoop.start(port, 1, 100_000, Duration.ofSeconds(30));
        awaitState(b.address(), "ejected", Duration.ofSeconds(5));
        Poll.until(Duration.ofSeconds(10), "b back after its ejection\n" + lb.output(),
                () -> transitions(b.address()).size() >= 2);
        b.answer(200);
        int atHealthy = load.completed();
        awaitCompleted(atHealthy + 100);
        List<SocketLoadLoop.Result> results = load.stop();

        List<SocketLoadLoop.Result> from503 = results.stream().filter(r -> r.status() == 503).collect(Collectors.toList());
        double ejections = metric("tandem_backend_ejections_total", "backend=\"" + b.address() + "\",pool=\"web\"");
        assertThat(from503).allSatisfy(r -> assertThat(r.backend()).isEqualTo("b"));
        assertThat(transitions(b.address()).get(0))
                .isEqualTo("up -> ejected: ejected for 1s after 3 consecutive 5xx responses (last: 503)");
        // Each ejection came after exactly three 503s in a row; at most one more run may be under way.
        assertThat((double) from503.size()).isBetween(3 * ejections, 3 * ejections + 2);
        assertThat(failures(results).size()).isEqualTo(from503.size());
    }

    // A reload keeps what health knows of the backends that stay (a drain, a dead backend stays down without
    // a new "first check"), checks an added backend before it gets traffic, and no request fails meanwhile.
    @Test
    void reloadKeepsHealthStateAndChecksAddedBackends() throws Exception {
        start("ok", "ok", null);
        BackendProcess b = backend("b");
        String dead = addresses.get(2);
        assertThat(admin("POST", "/api/v1/pools/web/backends/" + b.address() + "/drain").statusCode()).isEqualTo(200);
        BackendProcess d = lb.backendProcess("d", "ok");
        backends.add(d);
        load = SocketLoadLoop.start(port, CLIENTS, 200_000, Duration.ofSeconds(60));
        awaitCompleted(200);

        lb.config().pool("web").backend(d);
        lb.writeConfig();
        long reloadAt = System.nanoTime();
        HttpResponse<String> r = admin("POST", "/api/v1/reload");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        awaitState(d.address(), "up", Duration.ofSeconds(10));
        awaitCompleted(load.completed() + 300);
        List<SocketLoadLoop.Result> results = load.stop();

        assertThat(failures(results)).as("failed client requests").isEmpty();
        assertThat(state(b.address())).isEqualTo("draining");
        assertThat(state(dead)).isEqualTo("down");
        assertThat(transitions(b.address())).containsExactly(
                "unchecked -> up: first check passed: HTTP 200",
                "up -> draining: drained through the admin API (asked by 127.0.0.1)");
        assertThat(transitions(dead)).containsExactly("unchecked -> down: first check failed: connection refused");
        assertThat(transitions(d.address())).containsExactly("unchecked -> up: first check passed: HTTP 200");
        List<SocketLoadLoop.Result> afterReload = results.stream().filter(x -> x.sentNanos() > reloadAt)
                .collect(Collectors.toList());
        assertThat(answeredBy(afterReload, "b")).isZero();
        assertThat(answeredBy(afterReload, "d")).isPositive();
        assertThat(backendStatus(b.address()).path("lastCheck").path("result").asText()).isEqualTo("pass");
    }
}
