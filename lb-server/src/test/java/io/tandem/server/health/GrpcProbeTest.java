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

    // The request names the service as protobuf field 1; the server as a whole ("") is the empty message.
    @org.junit.jupiter.api.Test
    void requestNamesTheService() {
        assertThat(GrpcProbe.request("")).containsExactly(0, 0, 0, 0, 0);
        assertThat(GrpcProbe.request("shop.Orders")).containsExactly(0, 0, 0, 0, 13, 0x0a, 11,
                's', 'h', 'o', 'p', '.', 'O', 'r', 'd', 'e', 'r', 's');
        // A name of 200 bytes: its length is a two-byte varint (0xc8 0x01), the frame's length 203.
        byte[] long200 = GrpcProbe.request("a".repeat(200));
        assertThat(java.util.Arrays.copyOf(long200, 8)).containsExactly(0, 0, 0, 0, (byte) 203, 0x0a, (byte) 0xc8, 1);
        assertThat(long200).hasSize(5 + 203);
    }

    // Reasons name the serving status and the gRPC code as the protocols spell them.
    @org.junit.jupiter.api.Test
    void statusNames() {
        assertThat(GrpcProbe.servingStatusName(0)).isEqualTo("UNKNOWN");
        assertThat(GrpcProbe.servingStatusName(2)).isEqualTo("NOT_SERVING");
        assertThat(GrpcProbe.servingStatusName(3)).isEqualTo("SERVICE_UNKNOWN");
        assertThat(GrpcProbe.servingStatusName(-1)).isEqualTo("status -1");
        assertThat(GrpcProbe.grpcCodeName("5")).isEqualTo("5 NOT_FOUND");
        assertThat(GrpcProbe.grpcCodeName("12")).isEqualTo("12 UNIMPLEMENTED");
        assertThat(GrpcProbe.grpcCodeName("99")).isEqualTo("99");
    }

    // The HealthCheckResponse status is read from a gRPC message frame, or left as it was.
    @ParameterizedTest
    @MethodSource("frames")
    void readsTheServingStatus(byte[] frame, int expected) {
        assertThat(GrpcProbe.status(Unpooled.wrappedBuffer(frame), -1)).isEqualTo(expected);
    }
}
