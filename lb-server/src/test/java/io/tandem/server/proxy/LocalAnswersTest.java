package io.tandem.server.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** What each way a request head fails to decode is answered with. */
class LocalAnswersTest {

    static Stream<Arguments> causes() {
        return Stream.of(
                Arguments.of(new FrontendCodec.Rejection(400, "bare LF in a header line"), 400,
                        "The request is malformed: bare LF in a header line."),
                Arguments.of(new FrontendCodec.Rejection(501, "unknown transfer coding"), 501,
                        "The request uses a transfer coding this proxy does not implement."),
                Arguments.of(new TooLongHttpLineException("long"), 414,
                        "The request line is longer than this listener accepts."),
                Arguments.of(new TooLongHttpHeaderException("large"), 431,
                        "The request headers are larger than this listener accepts."),
                Arguments.of(new TooLongFrameException("long"), 400,
                        "The request is malformed: a part of it is too long."),
                Arguments.of(new IllegalArgumentException("x"), 400, "The request is malformed."),
                Arguments.of(null, 400, "The request is malformed."));
    }

    // Each decoder failure maps to its status and sentence; anything unknown is a plain 400.
    @ParameterizedTest
    @MethodSource("causes")
    void malformedHeadsGetTheirStatus(Throwable cause, int status, String message) {
        LocalAnswers.Refusal r = LocalAnswers.malformed(cause);
        assertThat(r.status().code()).isEqualTo(status);
        assertThat(r.message()).isEqualTo(message);
    }
}
