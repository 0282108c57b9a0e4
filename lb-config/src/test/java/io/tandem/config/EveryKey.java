package io.tandem.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A config that sets every section, with real files for its file keys: the loader reads every key of it. */
final class EveryKey {

    private EveryKey() {}

    /** A node of announce mode that sets every key of the announce section (the pair keys are in {@link #yaml}). */
    static String announceYaml() {
        return String.join("\n",
                "listeners: [ { bind: 127.0.0.1:8080, pool: web } ]",
                "pools: { web: { backends: [ { address: 127.0.0.1:9000 } ] } }",
                "failover: { mode: announce, node: lb-1, warm-up: { requests: 10, interval: 1s } }",
                "announce:",
                "  vips: [10.0.0.100/32]",
                "  interface: lo",
                "  daemon: { type: frr, command: vtysh, asn: 65001, pathspace: lb1 }",
                "  next-hop: self",
                "  communities: [65000:100]",
                "  withdraw-wait: 1s",
                "  check-interval: 1s",
                "");
    }

    /** Writes the key, token, script, certificate and ticket files into {@code dir}; returns the YAML. */
    static String yaml(Path dir) throws IOException {
        Files.writeString(dir.resolve("pair.key"), "ab".repeat(32));
        Files.writeString(dir.resolve("token"), "t0ken");
        Files.writeString(dir.resolve("502.html"), "<h1>502</h1>");
        Files.writeString(dir.resolve("admin.htpasswd"), "alice:" + BasicAuthFileTest.ALICE + "\n");
        Path notify = dir.resolve("notify.sh");
        Files.writeString(notify, "#!/bin/sh\n");
        assertThat(notify.toFile().setExecutable(true)).isTrue();
        TestCertificates.ec(dir, "backend-ca");
        TestCertificates.ec(dir, "lb-client");
        OpensslFiles pki = new OpensslFiles(dir);
        Path site = pki.ecdsa("site", "/CN=site.example.com");
        pki.ocsp("site", site, dir.resolve("site.key"), "V", OpensslFiles.serial(site));
        Files.writeString(dir.resolve("tickets.key"),
                java.util.Base64.getEncoder().encodeToString(new byte[80]) + "\n");
        return String.join("\n",
                "listeners:",
                "  - name: web",
                "    bind: 127.0.0.1:8080",
                "    pool: web",
                "    timeouts: { header: 10s, idle: 60s }",
                "    limits: { header-size: 32KiB, uri-length: 8KiB, connections: 100, tracked-clients: 1000 }",
                "    routes: [ { host: api.example.com, path-prefix: /v1/, pool: web },",
                "      { match: { host: '*.example.com', path: { regex: '^/x' }, method: [GET],",
                "                 headers: [ { name: X-A, equals: b } ], query: [ { name: q, regex: '[0-9]+' } ],",
                "                 source: [10.0.0.0/8] }, pool: web,",
                "        rewrite: { strip-prefix: /x,",
                "                   request-headers: [ { set: X-A, value: b }, { add: X-B, value: c },",
                "                                      { remove: X-C } ],",
                "                   response-headers: [ { set: X-D, value: '{client}' } ] } },",
                "      { path-prefix: /v1/, pool: web, rewrite: { replace-prefix: { from: /v1/, to: /v2/ } } },",
                "      { match: { path: { exact: /e }, headers: [ { name: X-R, regex: 'a.*' } ],",
                "                 query: [ { name: q, equals: '1' } ] }, pool: web,",
                "        rewrite: { response-headers: [ { add: X-E, value: f }, { remove: X-F } ] } },",
                "      { match: { path: { prefix: /p/ } }, pool: web, cache: pages, cache-ignore-cookies: [sid] },",
                "      { path-prefix: /old/, redirect: { status: '301', location: 'https://x{uri}' } },",
                "      { path-prefix: /r/, respond: { status: 200, content-type: text/plain, body: hi },",
                "        access: { allow: [10.0.0.0/8], deny: [10.9.0.0/16], basic-auth: admin.htpasswd, realm: A },",
                "        limits: { body: 1MiB, rate: 10/s, connections: 5 } } ]",
                "    access: { allow: [10.0.0.0/8], deny: [10.9.0.0/16] }",
                "    access-log: { enabled: true, format: template, template: '$client $status',",
                "                  syslog: { address: 127.0.0.1:514, transport: tcp, facility: local1, app-name: lb } }",
                "    proxy-protocol: { accept: true, from: [10.0.0.0/8] }",
                "    tls: { certificates: [ { cert: site.pem, key: site.key, ocsp: site.ocsp } ], strict-sni: true,",
                "           min-version: TLSv1.3, ciphers: ECDHE-ECDSA-AES128-GCM-SHA256, client-ca: site.pem,",
                "           client-auth: optional, client-cert-header: X-Subject, ticket-keys: tickets.key }",
                "    redirect-http: { from: 127.0.0.1:8081 }",
                "    hsts: 180d",
                "    cache: pages",
                "  - { name: tls, bind: 127.0.0.1:8443, pool: db, mode: tcp, timeouts: { idle: 5m },",
                "      sni-routes: [ { sni: pg.example.com, pool: pg }, { sni: '*.redis.example.com', pool: redis },",
                "                    { sni: se.example.com, pool: se }, { sni: re.example.com, pool: re } ] }",
                "admin: { bind: 127.0.0.1:9901, token-file: token }",
                "caches:",
                "  pages: { memory: 64MiB, max-object: 1MiB, default-ttl: 10s, grace: 5s, stale-if-error: 1h,",
                "           ignore-cookies: [_ga], x-cache: false, coalesce-wait: 5s, hit-for-miss: 60s,",
                "           esi: true, shared: { memcached: [127.0.0.1:11211, 127.0.0.1:11212] } }",
                "pools:",
                "  web:",
                "    backends: [ { address: 127.0.0.1:9000, weight: 2, backup: false },",
                "                { dns: app.internal:80, ttl: { min: 1s, max: 1m }, hold: 10s },",
                "                { dns-srv: _http._tcp.app.internal } ]",
                "    strategy: consistent-hash",
                "    hash-on: header:X-User",
                "    health: { path: /healthz, host: app.internal, expect-body: ok }",
                "    timeouts: { connect: 1s }",
                "    sticky: { cookie: TANDEM }",
                "    outlier: { consecutive-5xx: 3 }",
                "    proxy-protocol: v2",
                "    error-pages: { 502: 502.html, 503: 502.html, 504: 502.html }",
                "    tls: { ca: backend-ca.pem, verify: true, sni: app.internal, cert: lb-client.pem, "
                        + "key: lb-client.key }",
                "  db:",
                "    backends: [ { address: 127.0.0.1:3306 } ]",
                "    health: { type: mysql, user: tandem_check }",
                "    on-down: { close-connections-after: 2s }",
                "  pg:",
                "    backends: [ { address: 127.0.0.1:5432 } ]",
                "    health: { type: postgres, user: tandem_check, database: postgres }",
                "  redis:",
                "    backends: [ { address: 127.0.0.1:6379 } ]",
                "    health: { type: redis, role: master }",
                "  se:",
                "    backends: [ { address: 127.0.0.1:11211 } ]",
                "    health: { type: send-expect, send: \"version\\r\\n\", expect: VERSION }",
                "  grpc:",
                "    backends: [ { address: 127.0.0.1:50051 } ]",
                "    protocol: h2c",
                "    health: { type: grpc, service: shop.Orders }",
                "  re:",
                "    backends: [ { address: 127.0.0.1:11212 } ]",
                "    health: { type: send-expect, expect-regex: '^\\+OK' }",
                "resolvers: [127.0.0.1:53]",
                "failover:",
                "  node: lb-a",
                "  bind: 10.0.0.2:5405",
                "  peer: 10.0.0.3:5405",
                "  auth-key-file: pair.key",
                "  state-sync: true",
                "  track: { no-backend-up: true }",
                "  warm-up: { requests: 500, interval: 2s }",
                "  vip: [ { address: 10.0.0.100/24, interface: eth0 } ]",
                "  notify: notify.sh",
                "");
    }
}
