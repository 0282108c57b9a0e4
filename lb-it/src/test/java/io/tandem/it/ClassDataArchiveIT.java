package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Class-data sharing as shipped: the {@code tandem} launcher with the JDK running the tests. A daemon that
 * served and was stopped writes the archive of the classes it loaded; the next start maps that file and
 * serves as before, and does not write it again.
 */
class ClassDataArchiveIT {

    @RegisterExtension
    final TandemFixture lb = new TandemFixture();

    @Test
    void aDaemonThatServedLeavesAnArchiveTheNextStartMaps() throws Exception {
        Path cds = Files.createDirectories(lb.dir().resolve("cds"));
        StubBackend a = lb.stub("a");
        lb.config().listener("web", "web").pool("web", p -> p.backend(a));
        TandemFixture.Node node = lb.node().shipped().environment("TANDEM_CDS_DIR", cds.toString());

        TandemProcess first = node.start();
        assertAnswered(node);
        first.close();
        assertThat(first.process().exitValue()).as(first.output()).isZero();
        List<Path> files = list(cds);
        assertThat(files).as("what the stopped daemon left in %s", cds).hasSize(1);
        Path archive = files.get(0);
        assertThat(archive.getFileName().toString()).startsWith("tandem-").endsWith(".jsa");
        assertThat(first.output()).contains("class-data archive for the next start written to " + archive);
        FileTime written = Files.getLastModifiedTime(archive);

        TandemProcess second = node.restart();
        assertThat(Files.readString(Path.of("/proc/" + second.pid() + "/maps")))
                .as("the JVM's mappings").contains(archive.toString());
        assertAnswered(node);
        second.close();
        assertThat(second.process().exitValue()).as(second.output()).isZero();
        assertThat(second.output()).doesNotContain("class-data archive");
        assertThat(list(cds)).containsExactly(archive);
        assertThat(Files.getLastModifiedTime(archive)).isEqualTo(written);
    }

    private static void assertAnswered(TandemFixture.Node node) throws Exception {
        try (RawClient c = new RawClient(node.port("web"))) {
            RawClient.Response r = c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").read();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.text()).isEqualTo("hello from a");
        }
    }

    private static List<Path> list(Path dir) throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            return files.sorted().toList();
        }
    }
}
