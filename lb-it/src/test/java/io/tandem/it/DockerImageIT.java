package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.Container.ExecResult;

/**
 * The image of docker/Dockerfile as a pair member runs it (started as root with NET_ADMIN and SYS_NICE,
 * like docker/compose.yaml's nodes): Tandem runs as the user tandem with only the capabilities a VIP
 * needs, through the launcher with its JVM defaults for a pair member, holds the VIP alone, and Docker's health check
 * passes. On a Docker network the test creates (DockerPair).
 */
class DockerImageIT {

    /** NET_BIND_SERVICE (10), NET_ADMIN (12), NET_RAW (13), SYS_NICE (23). */
    private static final String VIP_CAPABILITIES = "0000000000803400";

    private static String inNode(DockerPair.Node node, String script) throws Exception {
        ExecResult r = node.container.execInContainer("sh", "-c", script);
        assertThat(r.getExitCode()).as(script + "\n" + r.getStderr()).isZero();
        return r.getStdout();
    }

    // A lone member with a VIP: MASTER holding the VIP as uid 10001 with exactly the four capabilities
    // (ambient, so `ip` and `arping` get them), the launcher's flags for a pair member (G1), and a healthy container.
    @Test
    void pairMemberRunsUnprivilegedWithTheVipCapabilities() throws Exception {
        DockerPair.requireDocker();
        try (DockerPair pair = new DockerPair(Duration.ofMillis(100))) {
            DockerPair.Node a = pair.start(1, "lb-a", 150, 2, true, pair.key); // its peer never comes
            Poll.until(Duration.ofSeconds(60), "lb-a MASTER holding the VIP\n" + a.logs(),
                    () -> "MASTER".equals(a.state()) && a.holdsVip());

            assertThat(inNode(a, "grep -E '^(Uid|Gid|CapInh|CapPrm|CapEff|CapBnd|CapAmb):' /proc/$(pidof java)/status"))
                    .matches("Uid:\t10001\t10001\t10001\t10001\n"
                            + "Gid:\t(\\d+)\t\\1\t\\1\t\\1\n"
                            + "CapInh:\t" + VIP_CAPABILITIES + "\n"
                            + "CapPrm:\t" + VIP_CAPABILITIES + "\n"
                            + "CapEff:\t" + VIP_CAPABILITIES + "\n"
                            + "CapBnd:\t" + VIP_CAPABILITIES + "\n"
                            + "CapAmb:\t" + VIP_CAPABILITIES + "\n");
            assertThat(inNode(a, "tr '\\0' ' ' </proc/$(pidof java)/cmdline")).startsWith("java -Xms64m -Xmx512m "
                    + "-XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:MetaspaceSize=48m -XX:+UnlockExperimentalVMOptions "
                    + "-XX:TrimNativeHeapInterval=5000 -XX:MaxDirectMemorySize=512m -XX:+ExitOnOutOfMemoryError "
                    + "-XX:+IgnoreUnrecognizedVMOptions --sun-misc-unsafe-memory-access=allow -Dio.netty.noUnsafe=false "
                    + "-Dio.netty.allocator.maxOrder=7 -Dio.netty.leakDetection.level=disabled "
                    + "-Dio.netty.tryReflectionSetAccessible=true -jar /opt/tandem/tandem.jar run -c /etc/tandem/tandem.yaml");
            Poll.until(Duration.ofSeconds(90), "Docker's health check to pass", () -> "healthy".equals(
                    DockerClientFactory.instance().client().inspectContainerCmd(a.id()).exec()
                            .getState().getHealth().getStatus()));
        }
    }
}
