package io.tandem.config;

import static io.tandem.config.TestConfigs.parse;
import static io.tandem.config.TestConfigs.problems;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@code mode: tcp} listeners and the pools they use: what is taken and what {@code tandem check} refuses. */
class TcpConfigTest {

    // A tcp listener with a tcp-checked pool is taken, with its mode, idle timeout and the pool's strategy.
    @Test
    void tcpListenerWithTcpCheckIsTaken() throws Exception {
        TandemConfig c = parse(
                "listeners:",
                "  - { name: db, bind: 127.0.0.1:3306, pool: db, mode: tcp, timeouts: { idle: 30m } }",
                "pools:",
                "  db:",
                "    strategy: least-connections",
                "    health: { type: tcp, interval: 1s }",
                "    timeouts: { connect: 500ms, idle: 30m }",
                "    retries: 1",
                "    backends:",
                "      - { address: 127.0.0.1:13306 }",
                "      - { address: 127.0.0.1:13307, backup: true }");
        ListenerConfig l = c.listeners().get(0);
        assertThat(l.mode()).isEqualTo(ListenerMode.TCP);
        assertThat(l.tcp()).isTrue();
        assertThat(l.idleTimeout()).hasMinutes(30);
        assertThat(c.pool("db").strategy()).isEqualTo(StrategyName.LEAST_CONNECTIONS);
        assertThat(c.pool("db").backends().get(1).backup()).isTrue();
    }

    // A listener without mode is an HTTP listener.
    @Test
    void modeDefaultsToHttp() throws Exception {
        TandemConfig c = parse(
                "listeners: [ { bind: 127.0.0.1:8080, pool: web } ]",
                "pools: { web: { backends: [ { address: 127.0.0.1:9000 } ] } }");
        assertThat(c.listeners().get(0).mode()).isEqualTo(ListenerMode.HTTP);
    }

    // HTTP-only listener keys on a tcp listener are each refused at their key.
    @Test
    void httpKeysOnTcpListenerAreRefused() {
        assertThat(problems(
                "listeners:",
                "  - name: db",
                "    bind: 127.0.0.1:3306",
                "    pool: db",
                "    mode: tcp",
                "    timeouts: { header: 5s }",
                "    routes: [ { path-prefix: /a, pool: db } ]",
                "    hsts: 1d",
                "pools:",
                "  db:",
                "    health: { type: tcp }",
                "    backends: [ { address: 127.0.0.1:13306 } ]"))
                .contains("t.yaml:6:25: listeners[0].timeouts.header: does not apply to a mode: tcp listener (there "
                        + "is no request head); timeouts.idle bounds a connection without traffic")
                .contains("t.yaml:7:13: listeners[0].routes: does not apply to a mode: tcp listener (it forwards "
                        + "bytes without reading HTTP)")
                .contains("t.yaml:8:11: listeners[0].hsts: does not apply to a mode: tcp listener")
                .doesNotContain("only applies to a listener with tls");
    }

    // The traffic policy's listener keys (a route with match, access, the connection cap) and an access-log
    // format made for HTTP requests are refused on a tcp listener at their key; so are a tcp pool's error pages.
    @Test
    void policyKeysAndHttpLogFormatsOnTcpListenerAreRefused() {
        assertThat(problems(
                "listeners:",
                "  - name: db",
                "    bind: 127.0.0.1:3306",
                "    pool: db",
                "    mode: tcp",
                "    routes: [ { match: { source: [10.0.0.0/8] }, pool: db } ]",
                "    access: { deny: [203.0.113.0/24] }",
                "    limits: { connections: 100 }",
                "    access-log: { enabled: true, format: combined }",
                "pools:",
                "  db:",
                "    health: { type: tcp }",
                "    error-pages: { 503: t.yaml }",
                "    backends: [ { address: 127.0.0.1:13306 } ]"))
                .contains("t.yaml:6:13: listeners[0].routes: does not apply to a mode: tcp listener (it forwards "
                        + "bytes without reading HTTP)")
                .contains("t.yaml:7:13: listeners[0].access: is not supported on a mode: tcp listener yet")
                .contains("t.yaml:8:13: listeners[0].limits: does not apply to a mode: tcp listener")
                .contains("t.yaml:9:42: listeners[0].access-log.format: format: combined describes HTTP requests; "
                        + "a mode: tcp listener logs one line per connection in format: text or json")
                .contains("pools.db.error-pages: does not apply: pool db is used by the mode: tcp listener db");
        assertThat(problems(
                "listeners:",
                "  - { name: db, bind: 127.0.0.1:3306, pool: db, mode: tcp, access-log: { template: '$client' } }",
                "pools: { db: { health: { type: tcp }, backends: [ { address: 127.0.0.1:13306 } ] } }"))
                .contains("listeners[0].access-log.template: format: template describes HTTP requests");
    }

    // A tcp listener logs connections as text or json.
    @Test
    void textAndJsonLogsOnTcpListenerAreTaken() throws Exception {
        for (String format : new String[] {"text", "json"}) {
            TandemConfig c = parse(
                    "listeners:",
                    "  - { name: db, bind: 127.0.0.1:3306, pool: db, mode: tcp,",
                    "      access-log: { enabled: true, format: " + format + " } }",
                    "pools: { db: { health: { type: tcp }, backends: [ { address: 127.0.0.1:13306 } ] } }");
            assertThat(c.listeners().get(0).accessLog().format().configName()).isEqualTo(format);
        }
    }

    // A pool of a tcp listener whose check defaults to HTTP is refused at the health section, naming the types.
    @Test
    void defaultHttpCheckOnTcpPoolIsRefused() {
        assertThat(problems(
                "listeners:",
                "  - { name: db, bind: 127.0.0.1:3306, pool: db, mode: tcp }",
                "pools:",
                "  db:",
                "    health: { interval: 1s }",
                "    backends: [ { address: 127.0.0.1:13306 } ]"))
                .isEqualTo("t.yaml:5:5: pools.db.health: pool db is used by the mode: tcp listener db, so its check "
                        + "cannot be an HTTP request; set type: " + String.join(", ", HealthConfig.Type.tcpNames()));
    }

    // One pool for an HTTP and a tcp listener is refused; so are sticky and a response timeout.
    @Test
    void poolSharedByHttpAndTcpAndHttpPoolKeysAreRefused() {
        assertThat(problems(
                "listeners:",
                "  - { name: db, bind: 127.0.0.1:3306, pool: db, mode: tcp }",
                "  - { name: web, bind: 127.0.0.1:8080, pool: db }",
                "pools:",
                "  db:",
                "    sticky: { cookie: S }",
                "    timeouts: { response: 1s }",
                "    backends: [ { address: 127.0.0.1:13306 } ]"))
                .isEqualTo(String.join("\n",
                        "t.yaml:5:3: pools.db: pool db is used by the mode: tcp listener db and by the HTTP listener "
                                + "web; a pool serves one kind of listener (give each its own pool)",
                        "t.yaml:6:13: pools.db.sticky: does not apply: pool db is used by the mode: tcp listener db",
                        "t.yaml:7:27: pools.db.timeouts.response: does not apply: pool db is used by the mode: tcp "
                                + "listener db (timeouts.idle bounds a connection without traffic)"));
    }

    // A send-expect check keeps its bytes as written, escapes and all.
    @Test
    void sendExpectIsTaken() throws Exception {
        TandemConfig c = parse(
                "listeners: [ { bind: 127.0.0.1:11211, pool: cache, mode: tcp } ]",
                "pools:",
                "  cache:",
                "    health: { type: send-expect, send: \"version\\r\\n\", expect: \"VERSION \" }",
                "    backends: [ { address: 127.0.0.1:21211 } ]");
        HealthConfig h = c.pool("cache").health().orElseThrow();
        assertThat(h.type()).isEqualTo(HealthConfig.Type.SEND_EXPECT);
        assertThat(h.send()).isEqualTo("version\r\n");
        assertThat(h.expect()).isEqualTo("VERSION ");
        assertThat(h.expectRegex()).isNull();
    }

    // send-expect needs something to expect, a valid regex, and not both kinds; role is Redis's alone.
    @Test
    void sendExpectAndRoleMistakes() {
        assertThat(problems(
                "listeners: [ { bind: 127.0.0.1:11211, pool: cache, mode: tcp } ]",
                "pools:",
                "  cache:",
                "    health: { type: send-expect, send: x }",
                "    backends: [ { address: 127.0.0.1:21211 } ]",
                "  other:",
                "    health: { type: send-expect, expect: a, expect-regex: \"(\", role: master }",
                "    backends: [ { address: 127.0.0.1:21212 } ]"))
                .isEqualTo(String.join("\n",
                        "t.yaml:4:5: pools.cache.health: type: send-expect needs expect (bytes the answer contains) "
                                + "or expect-regex, e.g. { type: send-expect, send: \"version\\r\\n\", expect: VERSION }",
                        "t.yaml:7:59: pools.other.health.expect-regex: set either expect or expect-regex, not both",
                        "t.yaml:7:59: pools.other.health.expect-regex: '(' is not a regular expression: "
                                + "Unclosed group",
                        "t.yaml:7:70: pools.other.health.role: only applies to type: redis (this check is type: "
                                + "send-expect)"));
    }

    // A protocol check on the pool of an HTTP listener is refused at its type.
    @Test
    void redisCheckOnHttpPoolIsRefused() {
        assertThat(problems(
                "listeners: [ { name: web, bind: 127.0.0.1:8080, pool: web } ]",
                "pools:",
                "  web:",
                "    health: { type: redis }",
                "    backends: [ { address: 127.0.0.1:9000 } ]"))
                .isEqualTo("t.yaml:4:21: pools.web.health.type: type: redis checks a TCP service, but pool web is "
                        + "used by the HTTP listener web; use type: http or tcp");
    }

    // A MySQL check needs its check user (a login-less check would trip max_connect_errors); database is PostgreSQL's.
    @Test
    void databaseChecksNeedAUser() {
        assertThat(problems(
                "listeners: [ { bind: 127.0.0.1:3306, pool: db, mode: tcp } ]",
                "pools:",
                "  db:",
                "    health: { type: mysql, database: app }",
                "    backends: [ { address: 127.0.0.1:13306 } ]"))
                .isEqualTo(String.join("\n",
                        "t.yaml:4:5: pools.db.health: type: mysql needs user, the account the check logs in as "
                                + "(without a password), e.g. user: tandem_check",
                        "t.yaml:4:38: pools.db.health.database: only applies to type: postgres (this check is "
                                + "type: mysql)"));
    }

    // A PostgreSQL check keeps its user and database.
    @Test
    void postgresCheckIsTaken() throws Exception {
        HealthConfig h = parse(
                "listeners: [ { bind: 127.0.0.1:5432, pool: pg, mode: tcp } ]",
                "pools:",
                "  pg:",
                "    health: { type: postgres, user: tandem_check, database: app }",
                "    backends: [ { address: 127.0.0.1:15432 } ]").pool("pg").health().orElseThrow();
        assertThat(h.type()).isEqualTo(HealthConfig.Type.POSTGRES);
        assertThat(h.user()).isEqualTo("tandem_check");
        assertThat(h.database()).isEqualTo("app");
    }

    // on-down is taken on a tcp pool, needs its key, and is refused on the pool of an HTTP listener.
    @Test
    void onDown() throws Exception {
        assertThat(parse(
                "listeners: [ { bind: 127.0.0.1:3306, pool: db, mode: tcp } ]",
                "pools:",
                "  db:",
                "    on-down: { close-connections-after: 2s }",
                "    backends: [ { address: 127.0.0.1:13306 } ]").pool("db").closeOnDownAfter()).hasValue(
                java.time.Duration.ofSeconds(2));
        assertThat(problems(
                "listeners: [ { name: web, bind: 127.0.0.1:8080, pool: web } ]",
                "pools:",
                "  web:",
                "    on-down: { }",
                "    backends: [ { address: 127.0.0.1:9000 } ]"))
                .isEqualTo(String.join("\n",
                        "t.yaml:4:14: pools.web.on-down: needs close-connections-after, e.g. on-down: "
                                + "{ close-connections-after: 2s }"));
        assertThat(problems(
                "listeners: [ { name: web, bind: 127.0.0.1:8080, pool: web } ]",
                "pools:",
                "  web:",
                "    on-down: { close-connections-after: 0s }",
                "    backends: [ { address: 127.0.0.1:9000 } ]"))
                .isEqualTo("t.yaml:4:14: pools.web.on-down: only applies to the pool of a mode: tcp listener; "
                        + "pool web is used by the HTTP listener web");
    }

    // SNI routes are taken lower case on a tcp listener; a bad name, a repeat and an HTTP listener are refused.
    @Test
    void sniRoutes() throws Exception {
        ListenerConfig l = parse(
                "listeners:",
                "  - name: tls",
                "    bind: 127.0.0.1:8443",
                "    pool: a",
                "    mode: tcp",
                "    sni-routes: [ { sni: B.Example.com, pool: b }, { sni: \"*.b.example.com\", pool: b } ]",
                "pools:",
                "  a: { backends: [ { address: 127.0.0.1:9000 } ] }",
                "  b: { backends: [ { address: 127.0.0.1:9001 } ] }").listeners().get(0);
        assertThat(l.sniRoutes()).containsExactly(new SniRouteConfig("b.example.com", "b"),
                new SniRouteConfig("*.b.example.com", "b"));
        assertThat(problems(
                "listeners:",
                "  - name: tls",
                "    bind: 127.0.0.1:8443",
                "    pool: a",
                "    mode: tcp",
                "    sni-routes: [ { sni: b.example.com, pool: b }, { sni: b.example.com, pool: a }, "
                        + "{ sni: \"b.*.com\", pool: b } ]",
                "  - { name: web, bind: 127.0.0.1:8080, pool: a, sni-routes: [ { sni: x.com, pool: a } ] }",
                "pools:",
                "  a: { backends: [ { address: 127.0.0.1:9000 } ] }",
                "  b: { backends: [ { address: 127.0.0.1:9001 } ] }"))
                .isEqualTo(String.join("\n",
                        "t.yaml:6:59: listeners[0].sni-routes[1].sni: never matches: sni-routes[0] has the same name",
                        "t.yaml:6:92: listeners[0].sni-routes[2].sni: 'b.*.com' is not a host name; expected e.g. "
                                + "db.example.com or *.example.com (one leftmost label)",
                        "t.yaml:7:61: listeners[1].sni-routes: only applies to a mode: tcp listener (an HTTP "
                                + "listener routes by routes[].host)",
                        "t.yaml:9:3: pools.a: pool a is used by the mode: tcp listener tls and by the HTTP listener "
                                + "web; a pool serves one kind of listener (give each its own pool)"));
    }
}
