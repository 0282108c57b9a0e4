package io.tandem.server.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.tandem.config.AccessConfig;
import io.tandem.config.CidrRange;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;

/** Deny, allow and basic auth of a listener's or route's access, with real bcrypt hashes. */
class AccessRuleTest {

    static final String ALICE = "$2y$04$ch05OiMyM8T3Zkrg2r2MWOLJmaYvVwv0tWD2vZFlPXVmSei9xG.2y"; // s3cret
    static final String BOB = "$2y$04$quSna40mkcDagTKpcAg2D.O6Y4oe3fWzhJ7ujafVdHxPVOWh39tcq"; // pässword

    private static final byte[] TEN = {10, 0, 0, 1};
    private static final byte[] TEN_BAD = {10, 9, 0, 1};
    private static final byte[] ELEVEN = {11, 0, 0, 1};

    private static HttpHeaders auth(String user, String password) {
        return new DefaultHttpHeaders().set("Authorization", "Basic " + Base64.getEncoder()
                .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)));
    }

    // deny wins over allow; outside allow is 403; an unknown address is only allowed without an allow list.
    @Test
    void addressRanges() {
        AccessRule rule = AccessRule.of(new AccessConfig(List.of(CidrRange.parse("10.0.0.0/8")),
                List.of(CidrRange.parse("10.9.0.0/16")), Optional.empty()));
        HttpHeaders none = new DefaultHttpHeaders();
        assertThat(rule.check(TEN, none)).isEqualTo(AccessRule.ALLOWED);
        assertThat(rule.check(TEN_BAD, none)).isEqualTo(403);
        assertThat(rule.check(ELEVEN, none)).isEqualTo(403);
        assertThat(rule.check(null, none)).isEqualTo(403);
        AccessRule denyOnly = AccessRule.of(new AccessConfig(List.of(), List.of(CidrRange.parse("11.0.0.0/8")),
                Optional.empty()));
        assertThat(denyOnly.check(null, none)).isEqualTo(AccessRule.ALLOWED);
        assertThat(denyOnly.check(ELEVEN, none)).isEqualTo(403);
        assertThat(AccessRule.of(AccessConfig.OPEN)).isSameAs(AccessRule.OPEN);
    }

    // Basic auth passes exactly the users of the file with their passwords (UTF-8), else 401 with a challenge.
    @Test
    void basicAuth() {
        AccessRule rule = AccessRule.of(new AccessConfig(List.of(), List.of(), Optional.of(
                new AccessConfig.BasicAuthConfig("f", "Admin area", Map.of("alice", ALICE, "bob", BOB)))));
        assertThat(rule.check(TEN, auth("alice", "s3cret"))).isEqualTo(AccessRule.ALLOWED);
        assertThat(rule.check(TEN, auth("alice", "s3cret"))).isEqualTo(AccessRule.ALLOWED);
        assertThat(rule.check(TEN, auth("bob", "pässword"))).isEqualTo(AccessRule.ALLOWED);
        assertThat(rule.check(TEN, auth("alice", "wrong"))).isEqualTo(401);
        assertThat(rule.check(TEN, auth("carol", "s3cret"))).isEqualTo(401);
        assertThat(rule.check(TEN, new DefaultHttpHeaders())).isEqualTo(401);
        assertThat(rule.check(TEN, new DefaultHttpHeaders().set("Authorization", "Basic !!!"))).isEqualTo(401);
        assertThat(rule.check(TEN, new DefaultHttpHeaders().set("Authorization", "Bearer x"))).isEqualTo(401);
        assertThat(rule.challenge()).isEqualTo("Basic realm=\"Admin area\", charset=\"UTF-8\"");
    }

    // Checks of credentials not yet seen take at most their share of the thread: once it is used up, such a
    // request gets 503 at once, while credentials already checked (passed or failed) are answered as before.
    @Test
    void passwordChecksWithinTheirShare() {
        AtomicLong now = new AtomicLong();
        // Each clock read is 100 ms later, so each check "takes" 100 ms; 1 % share, 150 ms burst.
        LongSupplier clock = () -> now.addAndGet(100_000_000L);
        BasicAuth auth = new BasicAuth(new AccessConfig.BasicAuthConfig("f", "Admin area",
                Map.of("alice", ALICE, "bob", BOB)), new BasicAuth.SlowWork(0.01, 150_000_000L, clock));
        assertThat(auth.check(header("alice", "s3cret"))).isEqualTo(BasicAuth.Verdict.PASSED);
        // The bucket: 150 - 100 (+ 1 ms refilled per 100 ms) -> about 51 ms: one more check may start.
        assertThat(auth.check(header("alice", "wrong"))).isEqualTo(BasicAuth.Verdict.FAILED);
        // Now in debt: a new value (even an unknown user, who is hashed too) is refused until it is paid.
        assertThat(auth.check(header("bob", "pässword"))).isEqualTo(BasicAuth.Verdict.BUSY);
        assertThat(auth.check(header("nobody", "x"))).isEqualTo(BasicAuth.Verdict.BUSY);
        // Remembered values cost nothing and are answered as they were.
        assertThat(auth.check(header("alice", "s3cret"))).isEqualTo(BasicAuth.Verdict.PASSED);
        assertThat(auth.check(header("alice", "wrong"))).isEqualTo(BasicAuth.Verdict.FAILED);
        // Malformed values need no check either.
        assertThat(auth.check("Basic !!!")).isEqualTo(BasicAuth.Verdict.FAILED);
        assertThat(auth.check(null)).isEqualTo(BasicAuth.Verdict.FAILED);
        // Five seconds later (50 ms refilled) the debt is paid and bob's first check runs.
        now.addAndGet(5_000_000_000L);
        assertThat(auth.check(header("bob", "pässword"))).isEqualTo(BasicAuth.Verdict.PASSED);
    }

    // A busy verdict is a 503 of the rule, with its own reason.
    @Test
    void busyIs503() {
        AtomicLong now = new AtomicLong();
        BasicAuth.SlowWork none = new BasicAuth.SlowWork(0.01, 1, () -> now.addAndGet(100_000_000L));
        BasicAuth auth = new BasicAuth(new AccessConfig.BasicAuthConfig("f", "r", Map.of("alice", ALICE)), none);
        assertThat(auth.check(header("alice", "s3cret"))).isEqualTo(BasicAuth.Verdict.PASSED);
        assertThat(auth.check(header("alice", "other"))).isEqualTo(BasicAuth.Verdict.BUSY);
        assertThat(AccessRule.reason(503)).isEqualTo("Too many new passwords are being checked at once; retry in a moment.");
        assertThat(AccessRule.reason(401)).isEqualTo("This resource needs a user name and password.");
        assertThat(AccessRule.reason(403)).isEqualTo("Access from your address is not allowed.");
    }

    private static String header(String user, String password) {
        return auth(user, password).get("Authorization");
    }
}
