package io.tandem.core.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.core.discovery.DnsRefresh.Decision;
import io.tandem.core.discovery.DnsRefresh.Target;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class DnsRefreshTest {

    private static final long S = 1_000_000_000L;
    private static final Target A = new Target("10.0.0.1", 80, 1, false);
    private static final Target B = new Target("10.0.0.2", 80, 1, false);

    private final DnsRefresh refresh = new DnsRefresh(Duration.ofSeconds(1), Duration.ofSeconds(60),
            Duration.ofSeconds(30));
    private long now = 1000 * S;

    // The answer's TTL decides the next query, clamped to ttl.min .. ttl.max; targets come sorted.
    @Test
    void ttlIsClamped() {
        assertThat(refresh.answered(List.of(B, A), 10, now)).isEqualTo(new Decision(List.of(A, B), 10 * S, false));
        assertThat(refresh.answered(List.of(A), 0, now).nextNanos()).isEqualTo(S);
        assertThat(refresh.answered(List.of(A), 86_400, now).nextNanos()).isEqualTo(60 * S);
    }

    // NXDOMAIN (or an error, or an empty answer) keeps the last good set through the hold, asking every
    // ttl.min and last at the hold's end; after it the entry gives nothing; a good answer brings it back.
    @Test
    void failureHoldsThenLetsGo() {
        refresh.answered(List.of(A, B), 5, now);
        assertThat(refresh.failed(now)).isEqualTo(new Decision(List.of(A, B), S, true));
        now += 29 * S + S / 2;
        assertThat(refresh.failed(now)).isEqualTo(new Decision(List.of(A, B), S / 2, true));
        now += S / 2;
        assertThat(refresh.failed(now)).isEqualTo(new Decision(List.of(), S, false));
        assertThat(refresh.current()).isEmpty();
        now += S;
        assertThat(refresh.answered(List.of(B), 5, now)).isEqualTo(new Decision(List.of(B), 5 * S, false));
    }

    // The hold counts from the first failure after a good answer, not from the good answer itself.
    @Test
    void holdStartsAtTheFirstFailure() {
        refresh.answered(List.of(A), 60, now);
        now += 60 * S;
        assertThat(refresh.failed(now).held()).isTrue();
        now += 20 * S;
        assertThat(refresh.failed(now).held()).isTrue();
        refresh.answered(List.of(A), 60, now);
        now += 60 * S;
        assertThat(refresh.failed(now)).isEqualTo(new Decision(List.of(A), S, true));
    }

    // Nothing good yet (a first answer that fails) gives no backends, and no hold.
    @Test
    void noGoodAnswerYet() {
        assertThat(refresh.failed(now)).isEqualTo(new Decision(List.of(), S, false));
        assertThat(refresh.answered(List.of(), 5, now)).isEqualTo(new Decision(List.of(), S, false));
    }

    // hold: 0s lets the set go at the first failure.
    @Test
    void zeroHold() {
        DnsRefresh noHold = new DnsRefresh(Duration.ofSeconds(1), Duration.ofSeconds(60), Duration.ZERO);
        noHold.answered(List.of(A), 5, now);
        assertThat(noHold.failed(now)).isEqualTo(new Decision(List.of(), S, false));
    }
}
