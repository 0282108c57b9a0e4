package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * TCP pools in front of real databases the test starts on loopback, checked with their own protocols:
 * a MariaDB primary with a hot spare (the {@code mysql} check logs in as a check user and quits, so the
 * primary, started with {@code max_connect_errors=2}, counts no aborted connection however many checks
 * run; stopping it sends new connections to the spare, and a query through Tandem works on each), and
 * PostgreSQL (the {@code postgres} check's startup message, passed by a known user and failed with the
 * server's own error for an unknown one). Queries go through the databases' command-line clients.
 */
class TcpDatabasesIT {

    @RegisterExtension
    final TandemFixture lb = new TandemFixture();

    /** A fresh MariaDB on {@code port}, its data and socket in the fixture's directory, with the test's users. */
    private ServerProcess mariadb(String name, int port) throws Exception {
        Path data = lb.dir().resolve(name);
        List<String> install = new ArrayList<>(List.of("mariadb-install-db", "--no-defaults", "--datadir=" + data,
                "--auth-root-authentication-method=normal", "--skip-test-db"));
        List<String> server = new ArrayList<>(List.of("mariadbd", "--no-defaults", "--datadir=" + data,
                "--port=" + port, "--bind-address=127.0.0.1", "--socket=" + data.resolve("sock"),
                "--pid-file=" + data.resolve("pid"), "--skip-log-bin", "--innodb-buffer-pool-size=16M",
                "--max-connect-errors=2", "--skip-name-resolve"));
        if (Commands.root()) {
            // MariaDB runs as root only when told so.
            install.add("--user=root");
            server.add("--user=root");
        }
        Commands.run(lb.dir(), 120, install);
        ServerProcess s = lb.closeAfter(ServerProcess.start(lb.dir(), name, port, Duration.ofSeconds(60), server));
        rootSql(s, "CREATE USER 'tandem_check'@'127.0.0.1'; "
                + "CREATE USER 'app'@'127.0.0.1' IDENTIFIED BY 'secret'; GRANT ALL ON *.* TO 'app'@'127.0.0.1'");
        return s;
    }

    /** {@code sql} as root over the server's unix socket, the output without column names. */
    private String rootSql(ServerProcess s, String sql) throws Exception {
        return Commands.run(lb.dir(), 30, List.of("mariadb", "--no-defaults",
                "--socket=" + lb.dir().resolve(s.name).resolve("sock"), "-uroot", "-N", "-e", sql));
    }

    /** {@code sql} as the application user through TCP port {@code port} (Tandem's, or a server's). */
    private String appSql(int port, String sql) throws Exception {
        return Commands.run(lb.dir(), 30, List.of("mariadb", "--no-defaults", "-h127.0.0.1", "-P" + port,
                "--connect-timeout=10", "-uapp", "-psecret", "-N", "-e", sql));
    }

    /** The server's counters of sessions that did not end properly. */
    private String abortedCounters(ServerProcess s) throws Exception {
        return rootSql(s, "SELECT VARIABLE_NAME, VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS "
                + "WHERE VARIABLE_NAME IN ('ABORTED_CONNECTS', 'ABORTED_CLIENTS') ORDER BY VARIABLE_NAME");
    }

    private String state(String pool, BackendServer b) {
        return lb.admin().backend(pool, b.address()).path("state").asText();
    }

    // The check logs in cleanly (no aborted connects), the primary serves, and once stopped the spare does.
    @Test
    void mariadbPrimaryThenHotSpare() throws Exception {
        int[] ports = Ports.free(2);
        ServerProcess primary = mariadb("mariadb-primary", ports[0]);
        ServerProcess spare = mariadb("mariadb-spare", ports[1]);
        lb.config().listener("mysql", "mysql", l -> l.set("mode", "tcp"))
                .pool("mysql", p -> p.health("type: mysql, user: tandem_check, interval: 100ms, rise: 1, fall: 1")
                        .backend(primary).backend(spare, "backup: true"))
                .listener("ghost", "ghost", l -> l.set("mode", "tcp"))
                .pool("ghost", p -> p.health("type: mysql, user: ghost, interval: 1s, initial-state: up")
                        .backend(spare));
        // The harness's wait for the port (a connect closed without a login) counted one: the baseline.
        String before = abortedCounters(primary);
        assertThat(before).isEqualTo("ABORTED_CLIENTS\t0\nABORTED_CONNECTS\t1");
        lb.start();
        String version = rootSql(primary, "SELECT VERSION()");
        assertThat(lb.admin().backend("mysql", primary.address()).path("lastCheck").path("detail").asText())
                .isEqualTo("5.5.5-" + version + ", logged in as tandem_check");
        assertThat(state("mysql", spare)).isEqualTo("up");
        int tandem = lb.port("mysql");
        assertThat(appSql(tandem, "SELECT @@port")).isEqualTo(Integer.toString(ports[0]));
        assertThat(appSql(tandem, "SELECT @@port")).isEqualTo(Integer.toString(ports[0]));
        // Many more checks than max_connect_errors, and not one more aborted connection on the server.
        Poll.until(Duration.ofSeconds(20), "20 passed checks of the primary", () -> lb.admin().metrics().value(
                "tandem_health_checks_total", "pool", "mysql", "backend", primary.address(), "result", "pass") >= 20);
        assertThat(abortedCounters(primary)).isEqualTo(before);
        assertThat(appSql(tandem, "SELECT @@port")).isEqualTo(Integer.toString(ports[0]));
        // A user the server does not know fails the check with the server's words.
        Poll.until(Duration.ofSeconds(10), "the ghost check failed", () -> state("ghost", spare).equals("down"));
        assertThat(lb.admin().backend("ghost", spare.address()).path("lastCheck").path("detail").asText())
                .isEqualTo("MySQL error 1045 (28000): Access denied for user 'ghost'@'127.0.0.1' (using password: NO)");
        primary.stop();
        Poll.until(Duration.ofSeconds(10), "the primary marked down", () -> state("mysql", primary).equals("down"));
        assertThat(appSql(tandem, "SELECT @@port")).isEqualTo(Integer.toString(ports[1]));
        assertThat(appSql(tandem, "CREATE DATABASE IF NOT EXISTS t; CREATE TABLE t.x (n INT); "
                + "INSERT INTO t.x VALUES (7); SELECT n FROM t.x")).isEqualTo("7");
    }

    /** The newest PostgreSQL server binary directory, e.g. /usr/lib/postgresql/15/bin. */
    private static Path postgresBin() throws IOException {
        try (Stream<Path> versions = Files.list(Path.of("/usr/lib/postgresql"))) {
            return versions.map(v -> v.resolve("bin")).filter(b -> Files.isExecutable(b.resolve("initdb")))
                    .max(Comparator.comparing(b -> Integer.parseInt(b.getParent().getFileName().toString())))
                    .orElseThrow(() -> new AssertionError("PostgreSQL is not installed (apt-get install postgresql)"));
        } catch (java.nio.file.NoSuchFileException e) {
            throw new AssertionError("PostgreSQL is not installed (apt-get install postgresql)");
        }
    }

    // A known user passes the check (trust: logged in, ready for queries), an unknown one fails with the error.
    @Test
    void postgresStartupCheck() throws Exception {
        Path bin = postgresBin();
        Path data = lb.dir().resolve("pg");
        Files.createDirectories(data);
        if (Commands.root()) {
            // PostgreSQL refuses to run as root: it runs as nobody, who must reach and own its directory.
            Files.setPosixFilePermissions(lb.dir(), PosixFilePermissions.fromString("rwx--x--x"));
            UserPrincipal nobody = data.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
            Files.setOwner(data, nobody);
        }
        Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwx------"));
        Commands.run(lb.dir(), 120, Commands.unprivileged(List.of(bin.resolve("initdb").toString(), "-D",
                data.toString(), "-A", "trust", "-U", "postgres", "--no-sync")));
        int port = Ports.free();
        ServerProcess pg = lb.closeAfter(ServerProcess.start(lb.dir(), "postgres", port, Duration.ofSeconds(60),
                Commands.unprivileged(List.of(bin.resolve("postgres").toString(), "-D", data.toString(),
                        "-p", Integer.toString(port), "-k", data.toString(), "-c", "listen_addresses=127.0.0.1",
                        "-c", "fsync=off", "-c", "shared_buffers=16MB"))));
        lb.config().listener("pg", "pg", l -> l.set("mode", "tcp"))
                .pool("pg", p -> p.health("type: postgres, user: postgres, database: postgres, interval: 200ms")
                        .backend(pg))
                .listener("pg-ghost", "pg-ghost", l -> l.set("mode", "tcp"))
                .pool("pg-ghost", p -> p.health("type: postgres, user: ghost, interval: 200ms").backend(pg));
        lb.start();
        assertThat(state("pg", pg)).isEqualTo("up");
        assertThat(lb.admin().backend("pg", pg.address()).path("lastCheck").path("detail").asText())
                .isEqualTo("ready for queries as postgres");
        assertThat(state("pg-ghost", pg)).isEqualTo("down");
        assertThat(lb.admin().backend("pg-ghost", pg.address()).path("lastCheck").path("detail").asText())
                .isEqualTo("FATAL 28000: role \"ghost\" does not exist");
        assertThat(Commands.run(lb.dir(), 30, List.of("psql", "-h", "127.0.0.1", "-p",
                Integer.toString(lb.port("pg")), "-U", "postgres", "-d", "postgres", "-At", "-c",
                "SELECT current_setting('port')"))).isEqualTo(Integer.toString(port));
    }
}
