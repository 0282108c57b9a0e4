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
}
