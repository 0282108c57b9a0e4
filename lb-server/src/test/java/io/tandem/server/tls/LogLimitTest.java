package io.tandem.server.tls;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** At most one line per key per period, with the time given. */
class LogLimitTest {

    // The first failure of a backend is logged; more within the period are not; after it, one is again.
    @Test
    void oncePerPeriodPerKey() {
        LogLimit<String> limit = new LogLimit<>(1000);
        assertThat(limit.allow("a", 5_000)).isTrue();
        assertThat(limit.allow("a", 5_999)).isFalse();
        assertThat(limit.allow("b", 5_999)).as("another backend has its own period").isTrue();
        assertThat(limit.allow("a", 6_000)).isTrue();
        assertThat(limit.allow("a", 6_500)).isFalse();
    }
}
