package io.tandem.core.limit;

import static io.tandem.core.limit.ClientLimiter.Verdict.ADMITTED;
import static io.tandem.core.limit.ClientLimiter.Verdict.CONNECTIONS;
import static io.tandem.core.limit.ClientLimiter.Verdict.RATE;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The sliding window rate, the in-flight cap and the bounded table, on a fake clock. */
class ClientLimiterTest {

    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
    private static final byte[] A = {10, 0, 0, 1};
    private static final byte[] B = {10, 0, 0, 2};

    private final AtomicLong now = new AtomicLong(100 * SECOND);

    private ClientLimiter limiter(int rate, int connections, int capacity) {
        return new ClientLimiter(rate, SECOND, connections, capacity, now::get);
    }

    // Within one window exactly `rate` requests pass; the next waits for the window to end.
    @Test
    void rateWithinOneWindow() {
        ClientLimiter l = limiter(3, 0, 1000);
        ClientLimiter.Client a = l.client(A);
        assertThat(l.admit(a)).isEqualTo(ADMITTED);
        assertThat(l.admit(a)).isEqualTo(ADMITTED);
        assertThat(l.admit(a)).isEqualTo(ADMITTED);
        assertThat(l.admit(a)).isEqualTo(RATE);
        // current 3 of rate 3 at t=0: the next window, plus until 3*(1-x) + 1 <= 3, i.e. x >= 1/3 s.
        assertThat(l.retryAfterNanos(a)).isEqualTo(SECOND + SECOND / 3 + 1);
        // Another client is not affected.
        assertThat(l.admit(l.client(B))).isEqualTo(ADMITTED);
    }

    // The previous window's count slides out linearly: at 50 % into the next window half of it still counts.
    @Test
    void previousWindowSlidesOut() {
        ClientLimiter l = limiter(4, 0, 1000);
        ClientLimiter.Client a = l.client(A);
        for (int i = 0; i < 4; i++) {
            assertThat(l.admit(a)).isEqualTo(ADMITTED);
        }
        now.addAndGet(SECOND + SECOND / 2);
        // 4 * 0.5 = 2 seen: two more pass, the third is refused.
        assertThat(l.admit(a)).isEqualTo(ADMITTED);
        assertThat(l.admit(a)).isEqualTo(ADMITTED);
        assertThat(l.admit(a)).isEqualTo(RATE);
        // previous 4, current 2, room 1: 4 * (1 - x) <= 1 at x = 0.75 s, 0.25 s from now.
        assertThat(l.retryAfterNanos(a)).isEqualTo(SECOND / 4);
        now.addAndGet(SECOND / 4);
        assertThat(l.retryAfterNanos(a)).isZero();
        assertThat(l.admit(a)).isEqualTo(ADMITTED);
        // Two windows later nothing of the past counts.
        now.addAndGet(2 * SECOND);
        for (int i = 0; i < 4; i++) {
            assertThat(l.admit(a)).isEqualTo(ADMITTED);
        }
    }

    // The in-flight cap refuses beyond `connections` until a request is released; refusals take no slot.
    @Test
    void inFlightCap() {
        ClientLimiter l = limiter(0, 2, 1000);
        ClientLimiter.Client a = l.client(A);
        assertThat(l.admit(a)).isEqualTo(ADMITTED);
        assertThat(l.admit(a)).isEqualTo(ADMITTED);
        assertThat(l.admit(a)).isEqualTo(CONNECTIONS);
        assertThat(a.inFlight()).isEqualTo(2);
        a.release();
        assertThat(l.admit(a)).isEqualTo(ADMITTED);
        assertThat(l.admit(l.client(B))).isEqualTo(ADMITTED);
    }

    // A full table forgets the least recently seen client of a stripe and counts the eviction.
    @Test
    void boundedTableForgetsLeastRecentlySeen() {
        ClientLimiter l = limiter(1, 0, ClientLimiter.STRIPES);
        // One client per stripe: 17 clients need at least one eviction, and the table never holds more than 16.
        for (int i = 0; i <= ClientLimiter.STRIPES; i++) {
            assertThat(l.admit(l.client(new byte[] {10, 0, 0, (byte) i}))).isEqualTo(ADMITTED);
        }
        assertThat(l.size()).isLessThanOrEqualTo(ClientLimiter.STRIPES);
        assertThat(l.evictions()).isEqualTo(ClientLimiter.STRIPES + 1 - l.size()).isPositive();
        // The most recent client is remembered (its second request is refused); a forgotten one starts afresh.
        assertThat(l.admit(l.client(new byte[] {10, 0, 0, (byte) ClientLimiter.STRIPES}))).isEqualTo(RATE);
        int afresh = 0;
        for (int i = 0; i < ClientLimiter.STRIPES; i++) {
            afresh += l.admit(l.client(new byte[] {10, 0, 0, (byte) i})) == ADMITTED ? 1 : 0;
        }
        assertThat(afresh).isPositive();
    }

    // Made over the limiter before a reload (same window, same table size), a limiter keeps each client's
    // count and requests in flight and applies its own limits to them.
    @Test
    void aReloadedLimiterKeepsTheCountsOfTheOneBefore() {
        ClientLimiter before = limiter(3, 2, 1000);
        ClientLimiter.Client a = before.client(A);
        assertThat(before.admit(a)).isEqualTo(ADMITTED);
        assertThat(before.admit(a)).isEqualTo(ADMITTED);
        a.release();

        ClientLimiter after = new ClientLimiter(2, SECOND, 1, 1000, now::get, before);
        assertThat(after.sharesCountsWith(before)).isTrue();
        ClientLimiter.Client same = after.client(A);
        assertThat(same).isSameAs(a);
        // One request of A is still in flight: the new cap of 1 is reached.
        assertThat(after.admit(same)).isEqualTo(CONNECTIONS);
        same.release();
        // Two counted in this window: the new rate of 2 is reached.
        assertThat(after.admit(same)).isEqualTo(RATE);
        assertThat(after.size()).isEqualTo(1);
    }

    // Another window or another table size is another way of counting: the new limiter starts empty.
    @Test
    void aReloadedLimiterWithAnotherWindowOrSizeStartsEmpty() {
        ClientLimiter before = limiter(1, 0, 1000);
        assertThat(before.admit(before.client(A))).isEqualTo(ADMITTED);

        ClientLimiter otherWindow = new ClientLimiter(1, 2 * SECOND, 0, 1000, now::get, before);
        ClientLimiter otherSize = new ClientLimiter(1, SECOND, 0, 2000, now::get, before);
        assertThat(otherWindow.sharesCountsWith(before)).isFalse();
        assertThat(otherSize.sharesCountsWith(before)).isFalse();
        assertThat(otherWindow.admit(otherWindow.client(A))).isEqualTo(ADMITTED);
        assertThat(otherSize.admit(otherSize.client(A))).isEqualTo(ADMITTED);
        assertThat(before.admit(before.client(A))).isEqualTo(RATE);
    }
}
