package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A flood of new wrong passwords against a route with basic auth: the bcrypt
 * checks an event loop does for values it has not seen take at most their
 * share of its time, and beyond it such a request is answered 503 at once;
 * values already checked are answered as before, and other clients keep
 * being served.
 */
class PasswordFloodIT {

    @RegisterExtension
    final TandemFixture lb = new TandemFixture();

    /** bcrypt (cost 10, about 100-200 ms a check here) of "s3cret". */
    static final String CAROL = "$2y$10$RwDLuVTq8mwtAIEHoQ7tT.oTwXwY6sFGAmgqMQXrzHOgqyyWLJPBm";

    private static String authorization(String userAndPassword) {
        return "Authorization: Basic "
                + Base64.getEncoder().encodeToString(userAndPassword.getBytes(StandardCharsets.UTF_8)) + "\r\n";
    }

    @Test
    void newPasswordsBeyondTheShareGet503() throws Exception {
        StubBackend web = lb.stub("web");
        java.nio.file.Path htpasswd = lb.file("vault.htpasswd", "carol:" + CAROL + "\n");
        lb.config()
                .listener("front", "web", l -> l.routeMap("{ match: { path: { prefix: /vault/ } }, pool: web,"
                        + " access: { basic-auth: '" + htpasswd + "' } }"))
                .pool("web", p -> p.backend(web));
        lb.start();
        String head = "GET /vault/x HTTP/1.1\r\nHost: h\r\n";
        int unauthorized = 0;
        int busy = 0;
        String firstWrong = authorization("carol:wrong-0");
        // One keep-alive connection stays on one event loop: 40 new wrong passwords, one after the other.
        try (RawClient c = new RawClient(lb.port("front"))) {
            for (int i = 0; i < 40; i++) {
                RawClient.Response r = c.send(head + authorization("carol:wrong-" + i) + "\r\n").read();
                if (r.status() == 401) {
                    // A check: at first from the half second at hand, later whenever a quarter of the time
                    // since has paid for the previous one.
                    unauthorized++;
                } else {
                    assertThat(r.status()).isEqualTo(503);
                    assertThat(r.header("retry-after")).isEqualTo("1");
                    assertThat(r.text()).isEqualTo(
                            "Too many new passwords are being checked at once; retry in a moment.\n");
                    busy++;
                }
            }
            // A value already checked needs no check: its 401 comes at once, even now.
            assertThat(c.send(head + firstWrong + "\r\n").read().status()).isEqualTo(401);
        }
        // Half a second of checks at once, then a quarter of the loop's time: 40 checks of cost 10 one after
        // the other take far more than that, so some requests were answered 503 instead; the first always ran.
        assertThat(unauthorized).isPositive();
        assertThat(busy).isPositive().isEqualTo(40 - unauthorized);
        // Another client, without a password to check, is served meanwhile.
        try (RawClient other = new RawClient(lb.port("front"))) {
            RawClient.Response r = other.send("GET /open HTTP/1.1\r\nHost: h\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.header("x-backend")).isEqualTo("web");
        }
        PrometheusText m = lb.admin().metrics();
        assertThat(m.value("tandem_limited_requests_total", "listener", "front", "limit", "password-checks"))
                .isEqualTo((double) busy);
    }
}
