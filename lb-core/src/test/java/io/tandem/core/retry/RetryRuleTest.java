package io.tandem.core.retry;

import static io.tandem.core.retry.AttemptFailure.CLOSED_BEFORE_RESPONSE;
import static io.tandem.core.retry.AttemptFailure.CLOSED_MID_RESPONSE;
import static io.tandem.core.retry.AttemptFailure.STALLED_MID_RESPONSE;
import static io.tandem.core.retry.AttemptFailure.CONNECT_FAILED;
import static io.tandem.core.retry.AttemptFailure.CONNECT_TIMEOUT;
import static io.tandem.core.retry.AttemptFailure.RESPONSE_TIMEOUT;
import static io.tandem.core.retry.RetryDecision.ANOTHER_BACKEND;
import static io.tandem.core.retry.RetryDecision.BAD_GATEWAY_CLOSED;
import static io.tandem.core.retry.RetryDecision.BAD_GATEWAY_UNREACHABLE;
import static io.tandem.core.retry.RetryDecision.CLOSE_CLIENT;
import static io.tandem.core.retry.RetryDecision.GATEWAY_TIMEOUT_CONNECT;
import static io.tandem.core.retry.RetryDecision.GATEWAY_TIMEOUT_RESPONSE;
import static io.tandem.core.retry.RetryDecision.SAME_BACKEND_NEW_CONNECTION;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RetryRuleTest {

    /**
     * A failed attempt described by words, each one a fact that differs from
     * the default: a first attempt (1 of retries 2) of an idempotent request
     * on a new connection, head not written, body not sent, another backend live.
     */
    private static FailedAttempt attempt(AttemptFailure failure, String... facts) {
        boolean headWritten = false;
        boolean reused = false;
        boolean staleRetried = false;
        boolean bodySent = false;
        boolean idempotent = true;
        boolean upgradeSent = false;
        boolean sticky = false;
        int tried = 1;
        int retries = 2;
        boolean untriedLive = true;
        boolean sameLive = true;
        for (String f : facts) {
            switch (f) {
                case "written" -> headWritten = true;
                case "reused" -> reused = true;
                case "stale-retried" -> staleRetried = true;
                case "body-sent" -> bodySent = true;
                case "post" -> idempotent = false;
                case "upgrade" -> upgradeSent = true;
                case "sticky" -> sticky = true;
                case "budget-spent" -> tried = 3;
                case "no-retries" -> retries = 0;
                case "none-untried" -> untriedLive = false;
                case "same-gone" -> sameLive = false;
                default -> throw new IllegalArgumentException(f);
            }
        }
        return new FailedAttempt(failure, headWritten, reused, staleRetried, bodySent, idempotent, upgradeSent,
                sticky, tried, retries, untriedLive, sameLive);
    }

    static Stream<Arguments> branches() {
        return Stream.of(
                // Connect failures: another backend while the budget and the pool allow it.
                Arguments.of(attempt(CONNECT_FAILED), ANOTHER_BACKEND),
                Arguments.of(attempt(CONNECT_TIMEOUT), ANOTHER_BACKEND),
                Arguments.of(attempt(CONNECT_FAILED, "post"), ANOTHER_BACKEND),
                Arguments.of(attempt(CONNECT_FAILED, "sticky"), ANOTHER_BACKEND),
                Arguments.of(attempt(CONNECT_FAILED, "budget-spent"), BAD_GATEWAY_UNREACHABLE),
                Arguments.of(attempt(CONNECT_FAILED, "no-retries"), BAD_GATEWAY_UNREACHABLE),
                Arguments.of(attempt(CONNECT_FAILED, "none-untried"), BAD_GATEWAY_UNREACHABLE),
                Arguments.of(attempt(CONNECT_TIMEOUT, "none-untried"), GATEWAY_TIMEOUT_CONNECT),
                Arguments.of(attempt(CONNECT_TIMEOUT, "budget-spent"), GATEWAY_TIMEOUT_CONNECT),
                // A connect failure is never "stale", even on a request that reused connections before.
                Arguments.of(attempt(CONNECT_FAILED, "reused", "none-untried"), BAD_GATEWAY_UNREACHABLE),
                // Closed before the head was written: the backend never had it, any method goes again.
                Arguments.of(attempt(CLOSED_BEFORE_RESPONSE), ANOTHER_BACKEND),
                Arguments.of(attempt(CLOSED_BEFORE_RESPONSE, "post"), ANOTHER_BACKEND),
                Arguments.of(attempt(CLOSED_BEFORE_RESPONSE, "none-untried"), BAD_GATEWAY_UNREACHABLE),
                // Reset after the head was written: idempotent requests only.
                Arguments.of(attempt(CLOSED_BEFORE_RESPONSE, "written"), ANOTHER_BACKEND),
                Arguments.of(attempt(CLOSED_BEFORE_RESPONSE, "written", "post"), BAD_GATEWAY_CLOSED),
                Arguments.of(attempt(CLOSED_BEFORE_RESPONSE, "written", "budget-spent"), BAD_GATEWAY_UNREACHABLE),
                // Body bytes gone, or an upgrade under way: never again.
                Arguments.of(attempt(CLOSED_BEFORE_RESPONSE, "body-sent"), BAD_GATEWAY_CLOSED),
                Arguments.of(attempt(CLOSED_BEFORE_RESPONSE, "body-sent", "reused"), BAD_GATEWAY_CLOSED),
                Arguments.of(attempt(CLOSED_BEFORE_RESPONSE, "written", "upgrade"), BAD_GATEWAY_CLOSED),
                // A stale pooled connection: another backend first, even for POST...
                Arguments.of(attempt(CLOSED_BEFORE_RESPONSE, "written", "reused", "post"), ANOTHER_BACKEND),
                // ...the same one on a new connection when no other may be tried...
                Arguments.of(attempt(CLOSED_BEFORE_RESPONSE, "written", "reused", "post", "none-untried"),
                        SAME_BACKEND_NEW_CONNECTION),
                Arguments.of(attempt(CLOSED_BEFORE_RESPONSE, "written", "reused", "no-retries"),
                        SAME_BACKEND_NEW_CONNECTION),
                Arguments.of(attempt(CLOSED_BEFORE_RESPONSE, "written", "reused", "budget-spent"),
                        SAME_BACKEND_NEW_CONNECTION),
                // ...or when the client's cookie sticks it to this backend...
                Arguments.of(attempt(CLOSED_BEFORE_RESPONSE, "written", "reused", "sticky"),
                        SAME_BACKEND_NEW_CONNECTION),
                // ...unless that backend stopped taking requests meanwhile.
                Arguments.of(attempt(CLOSED_BEFORE_RESPONSE, "written", "reused", "sticky", "same-gone"),
                        BAD_GATEWAY_UNREACHABLE),
                Arguments.of(attempt(CLOSED_BEFORE_RESPONSE, "reused", "none-untried", "same-gone"),
                        BAD_GATEWAY_UNREACHABLE),
                // Only once per request: a second stale connection is a reset like any other.
                Arguments.of(attempt(CLOSED_BEFORE_RESPONSE, "written", "reused", "stale-retried", "post"),
                        BAD_GATEWAY_CLOSED),
                Arguments.of(attempt(CLOSED_BEFORE_RESPONSE, "written", "reused", "stale-retried", "none-untried"),
                        BAD_GATEWAY_UNREACHABLE),
                Arguments.of(attempt(CLOSED_BEFORE_RESPONSE, "written", "reused", "stale-retried"), ANOTHER_BACKEND),
                // After the response began, or after the response timeout: no retry whatever the facts.
                Arguments.of(attempt(CLOSED_MID_RESPONSE), CLOSE_CLIENT),
                Arguments.of(attempt(CLOSED_MID_RESPONSE, "written", "reused"), CLOSE_CLIENT),
                Arguments.of(attempt(STALLED_MID_RESPONSE), CLOSE_CLIENT),
                Arguments.of(attempt(STALLED_MID_RESPONSE, "written", "reused"), CLOSE_CLIENT),
                Arguments.of(attempt(RESPONSE_TIMEOUT), GATEWAY_TIMEOUT_RESPONSE),
                Arguments.of(attempt(RESPONSE_TIMEOUT, "written", "reused"), GATEWAY_TIMEOUT_RESPONSE));
    }

    // Each failed attempt gets exactly the decision the proxy has always made for it.
    @ParameterizedTest
    @MethodSource("branches")
    void decides(FailedAttempt attempt, RetryDecision expected) {
        assertThat(RetryRule.decide(attempt)).isEqualTo(expected);
    }

    // A stale connection is one reused, before any body byte, the first time: only on a close before the response.
    @Test
    void staleConnectionNeedsAReusedConnectionClosedBeforeTheResponseOnce() {
        assertThat(attempt(CLOSED_BEFORE_RESPONSE, "reused").staleConnection()).isTrue();
        assertThat(attempt(CLOSED_BEFORE_RESPONSE, "reused", "written").staleConnection()).isTrue();
        assertThat(attempt(CLOSED_BEFORE_RESPONSE).staleConnection()).isFalse();
        assertThat(attempt(CLOSED_BEFORE_RESPONSE, "reused", "stale-retried").staleConnection()).isFalse();
        assertThat(attempt(CLOSED_BEFORE_RESPONSE, "reused", "body-sent").staleConnection()).isFalse();
        assertThat(attempt(CONNECT_FAILED, "reused").staleConnection()).isFalse();
        assertThat(attempt(CLOSED_MID_RESPONSE, "reused").staleConnection()).isFalse();
    }

    // When a chosen backend vanishes from the pool between the decision and the pick, the last failure decides.
    @Test
    void exhaustedAnswersByTheLastFailure() {
        assertThat(RetryRule.exhausted(CONNECT_TIMEOUT)).isEqualTo(GATEWAY_TIMEOUT_CONNECT);
        assertThat(RetryRule.exhausted(CONNECT_FAILED)).isEqualTo(BAD_GATEWAY_UNREACHABLE);
        assertThat(RetryRule.exhausted(CLOSED_BEFORE_RESPONSE)).isEqualTo(BAD_GATEWAY_UNREACHABLE);
    }

    // The statuses the client sees, and which decisions send the request again.
    @Test
    void statusesAndRetries() {
        assertThat(BAD_GATEWAY_CLOSED.status()).isEqualTo(502);
        assertThat(BAD_GATEWAY_UNREACHABLE.status()).isEqualTo(502);
        assertThat(GATEWAY_TIMEOUT_CONNECT.status()).isEqualTo(504);
        assertThat(GATEWAY_TIMEOUT_RESPONSE.status()).isEqualTo(504);
        assertThat(ANOTHER_BACKEND.retries()).isTrue();
        assertThat(SAME_BACKEND_NEW_CONNECTION.retries()).isTrue();
        assertThat(CLOSE_CLIENT.retries()).isFalse();
        assertThat(CLOSE_CLIENT.status()).isZero();
    }
}
