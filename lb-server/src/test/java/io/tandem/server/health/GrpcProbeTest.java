package io.tandem.server.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class GrpcProbeTest {

    static Stream<Arguments> frames() {
        return Stream.of(
                // SERVING, NOT_SERVING, SERVICE_UNKNOWN: field 1 as a varint
                Arguments.of(new byte[] {0, 0, 0, 0, 2, 0x08, 1}, 1),
                Arguments.of(new byte[] {0, 0, 0, 0, 2, 0x08, 2}, 2),
                Arguments.of(new byte[] {0, 0, 0, 0, 2, 0x08, 3}, 3),
                // An empty message is the default: UNKNOWN (0)
                Arguments.of(new byte[] {0, 0, 0, 0, 0}, 0),
                // Compressed, or too short to be a frame: not read (the previous value stays)
                Arguments.of(new byte[] {1, 0, 0, 0, 2, 0x08, 1}, -1),
                Arguments.of(new byte[] {0, 0, 0}, -1),
                // Another field first: not read
                Arguments.of(new byte[] {0, 0, 0, 0, 2, 0x10, 1}, -1));
    }

    // The HealthCheckResponse status is read from a gRPC message frame, or left as it was.
    @ParameterizedTest
    @MethodSource("frames")
    void readsTheServingStatus(byte[] frame, int expected) {
        assertThat(GrpcProbe.status(Unpooled.wrappedBuffer(frame), -1)).isEqualTo(expected);
    }
}
