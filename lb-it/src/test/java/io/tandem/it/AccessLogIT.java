package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The access log of the real daemon: one line per request on the
 * {@code tandem.access} logger, text on one listener, JSON on another, the
 * Combined Log Format and a template on two more, none on a fifth (off by
 * default).
 */
class AccessLogIT {

    @RegisterExtension
    static final TandemFixture lb = new TandemFixture();

    static StubBackend a;
    static TestPki pki;
    static final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws Exception {
        a = lb.stub("a");
        pki = new TestPki(lb.dir().resolve("pki"), "tandem");
        TestPki.Issued site = pki.server("site", TestPki.KeyType.ECDSA, 30, "a.example.com");
        lb.config()
                .listener("plain", "web", l -> l.accessLog("enabled: true"))
                .listener("structured", "web", l -> l.accessLog("enabled: true, format: json"))
                .listener("combined", "web", l -> l.accessLog("enabled: true, format: combined"))
                .listener("templated", "web", l -> l.accessLog("enabled: true, template: '$listener $method $uri "
                        + "$protocol $status $host $bytes_in $bytes_out $pool $backend $retries $request_id $user "
                        + "$connect_time $first_byte_time $total_time $tls_protocol'"))
                .listener("secure", "web", l -> l.set("tls", "{ certificates: [ { cert: " + site.cert() + ", key: "
                        + site.key() + " } ] }").accessLog("enabled: true, template: '$request_id $protocol "
                        + "$tls_protocol $tls_cipher $tls_sni'"))
                .listener("quiet", "web")
                .pool("web", p -> p.backend(a));
        lb.start();
    }

    static HttpResponse<String> get(String listener, String path, String requestId) throws Exception {
        return client.send(HttpRequest.newBuilder(lb.uri(listener, path))
                .header("X-Request-Id", requestId).build(), HttpResponse.BodyHandlers.ofString());
    }

    static String lineWith(String needle) {
        Poll.until(Duration.ofSeconds(10), "an access log line with " + needle,
                () -> lb.output().contains(needle));
        return Arrays.stream(lb.output().split("\n")).filter(l -> l.contains(needle)).findFirst().orElseThrow();
    }

    // A text line names listener, client, request, status, body bytes, backend, duration and request id.
    @Test
    void textLineHasEveryField() throws Exception {
        HttpResponse<String> r = get("plain", "/status/404?q=1", "text-id-1");
        assertThat(r.statusCode()).isEqualTo(404);
        String line = lineWith("text-id-1");
        String expected = "^\\S+Z plain 127\\.0\\.0\\.1 \"GET /status/404\\?q=1\" 404 1 "
                + Pattern.quote(a.address()) + " \\d+\\.\\d{6} text-id-1$";
        assertThat(line).matches(expected);
    }

    // A JSON line is one object with the same fields; a quote in the path cannot break it.
    @Test
    void jsonLineIsOneObject() throws Exception {
        HttpResponse<String> r = get("structured", "/x%22y", "json-id-1");
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode line = new ObjectMapper().readTree(lineWith("json-id-1"));
        assertThat(line.path("listener").asText()).isEqualTo("structured");
        assertThat(line.path("client").asText()).isEqualTo("127.0.0.1");
        assertThat(line.path("method").asText()).isEqualTo("GET");
        assertThat(line.path("path").asText()).isEqualTo("/x%22y");
        assertThat(line.path("status").asInt()).isEqualTo(200);
        assertThat(line.path("bytes").asLong()).isEqualTo("hello from a".length());
        assertThat(line.path("backend").asText()).isEqualTo(a.address());
        assertThat(line.path("duration").asDouble()).isGreaterThan(0.0).isLessThan(10.0);
        assertThat(line.path("request_id").asText()).isEqualTo("json-id-1");
        assertThat(line.path("time").asText()).endsWith("Z");
    }

    // A combined line is nginx's: client, user of the Basic credentials, CLF time, request line, status, bytes,
    // referer and user agent.
    @Test
    void combinedLine() throws Exception {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(lb.uri("combined", "/status/404?q=1"))
                .header("X-Request-Id", "combined-id-1")
                .header("User-Agent", "it-agent/1.0 \"quoted\"")
                .header("Referer", "https://ref.example/combined-id-1")
                .header("Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString(
                        "alice:secret".getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(lineWith("ref.example/combined-id-1")).matches("^127\\.0\\.0\\.1 - alice "
                + "\\[\\d\\d/[A-Z][a-z]{2}/\\d{4}:\\d\\d:\\d\\d:\\d\\d [+-]\\d{4}\\] "
                + "\"GET /status/404\\?q=1 HTTP/1\\.1\" 404 " + r.body().length()
                + " \"https://ref\\.example/combined-id-1\" \"it-agent/1\\.0 \\\\x22quoted\\\\x22\"$");
    }

    // A template line has exactly the named fields: a POST's body bytes in, the answer's bytes out, the pool and
    // backend, no retry, no user, the three times, and "-" for TLS on a plain listener.
    @Test
    void templateLine() throws Exception {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(lb.uri("templated", "/posted"))
                .header("X-Request-Id", "tpl-id-1")
                .POST(HttpRequest.BodyPublishers.ofString("12345678")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(lineWith("tpl-id-1")).matches("^templated POST /posted HTTP/1\\.1 200 "
                + Pattern.quote("127.0.0.1:" + lb.port("templated")) + " 8 " + r.body().length() + " web "
                + Pattern.quote(a.address()) + " 0 tpl-id-1 - \\d+\\.\\d{6} \\d+\\.\\d{6} \\d+\\.\\d{6} -$");
    }

    // On a TLS listener the template's TLS fields are the handshake's version and cipher and the client's SNI.
    @Test
    void tlsFields() throws Exception {
        javax.net.ssl.SSLSession session;
        try (javax.net.ssl.SSLSocket socket = TlsClients.connect(TlsClients.trusting(pki.ca().cert()),
                lb.port("secure"), "a.example.com")) {
            session = socket.getSession();
            socket.getOutputStream().write(("GET / HTTP/1.1\r\nHost: a.example.com\r\nX-Request-Id: tls-id-1\r\n"
                    + "Connection: close\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            String answer = new String(socket.getInputStream().readAllBytes(),
                    java.nio.charset.StandardCharsets.US_ASCII);
            assertThat(answer).startsWith("HTTP/1.1 200 ").endsWith("hello from a");
        }
        assertThat(lineWith("tls-id-1")).isEqualTo("tls-id-1 HTTP/1.1 " + session.getProtocol() + " "
                + session.getCipherSuite() + " a.example.com");
    }

    // A client that leaves mid-response is logged with 499 and the bytes it was sent by then.
    @Test
    void clientThatLeavesIsLogged499() throws Exception {
        try (java.net.Socket s = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), lb.port("plain"))) {
            s.getOutputStream().write(("GET /download?bytes=200000000 HTTP/1.1\r\nHost: t\r\n"
                    + "X-Request-Id: leaver-1\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            s.setSoTimeout(10_000);
            byte[] some = s.getInputStream().readNBytes(64 * 1024);
            assertThat(some).hasSize(64 * 1024);
        }
        String line = lineWith("leaver-1");
        assertThat(line).matches("^\\S+Z plain 127\\.0\\.0\\.1 \"GET /download\\?bytes=200000000\" 499 \\d+ "
                + Pattern.quote(a.address()) + " \\d+\\.\\d{6} leaver-1$");
        long bytes = Long.parseLong(line.split(" ")[6]);
        assertThat(bytes).isGreaterThan(0).isLessThan(200_000_000L);
    }

    // A listener without access-log writes no line.
    @Test
    void offByDefault() throws Exception {
        assertThat(get("quiet", "/", "quiet-id-1").statusCode()).isEqualTo(200);
        // A logged request on another listener after it proves the log is written in order and caught up.
        assertThat(get("plain", "/", "after-quiet-1").statusCode()).isEqualTo(200);
        lineWith("after-quiet-1");
        assertThat(lb.output()).doesNotContain("quiet-id-1");
    }
}
