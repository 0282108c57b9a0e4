package io.tandem.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * docs/prometheus-alerts.yaml: promtool accepts it, each alert fires as the cases in
 * src/test/resources/prometheus-alerts-test.yaml say, and every series its rules read is one that a
 * running Tandem (a pool, a TLS listener, a failover section) exports. promtool must be on the PATH:
 * .ci/run unpacks it from Debian's prometheus package.
 */
class PrometheusAlertsIT {

    private static final Path RULES = ConfigCheckIT.ROOT.resolve("docs/prometheus-alerts.yaml");
    private static final Path CASES = Path.of("src/test/resources/prometheus-alerts-test.yaml");
    private static final Pattern EXPR = Pattern.compile("^\\s*expr:\\s*(.+)$", Pattern.MULTILINE);
    /** What an expression names besides series: label matchers, grouping clauses, strings. */
    private static final Pattern NOT_SERIES = Pattern.compile(
            "\\{[^}]*}|\\b(?:by|without|on|ignoring)\\s*\\([^)]*\\)|\"[^\"]*\"|\\[[^\\]]*\\]");
    private static final Pattern IDENTIFIER = Pattern.compile("(?<![\\w.])[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Set<String> PROMQL_WORDS = Set.of("rate", "increase", "irate", "delta", "changes",
            "resets", "max", "min", "sum", "avg", "count", "absent", "time", "and", "or", "unless", "bool");

    @RegisterExtension
    final TandemFixture lb = new TandemFixture();

    /** promtool's exit code and merged output. */
    private record Result(int exit, String output) {}

    // promtool finds the file valid, with all eight alerts.
    @Test
    void promtoolAcceptsTheRules() throws Exception {
        Result r = promtool("check", "rules", RULES.toString());
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output()).contains("SUCCESS: 8 rules found");
    }

    // Each alert fires on the series it is for, with its labels and texts, and stays quiet otherwise.
    @Test
    void alertsFireAsTheirCasesSay() throws Exception {
        Result r = promtool("test", "rules", CASES.toString());
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output()).contains("SUCCESS").doesNotContain("FAILED");
    }

    // Every series the rules read is exported by a node with a pool, a TLS listener and a failover section.
    @Test
    void everySeriesTheRulesReadIsExported() throws Exception {
        TestPki pki = new TestPki(lb.dir().resolve("pki"), "tandem");
        TestPki.Issued site = pki.server("site", TestPki.KeyType.ECDSA, 30, "a.example.com");
        Path key = lb.file("pair.key", HexFormat.of().formatHex(new byte[32]).replace('0', '7') + "\n");
        int[] udp = Ports.free(2);
        StubBackend a = lb.stub("a");
        lb.config()
                .listener("web", "web", l -> l.set("tls", "{ certificates: [ { cert: " + site.cert() + ", key: "
                        + site.key() + " } ] }"))
                .pool("web", p -> p.backend(a))
                // A lone node: its peer's port is free, so it hears nothing and takes over.
                .failover(f -> f.node("lb-a").priority(150).bind("127.0.0.1:" + udp[0])
                        .peer("127.0.0.1:" + udp[1]).advertInterval(Duration.ofMillis(100)).authKeyFile(key)
                        .notify("/bin/true"));
        lb.start();
        Poll.until(Duration.ofSeconds(30), "lb-a to become MASTER",
                () -> lb.admin().metrics().value("tandem_failover_role", "node", "lb-a") == 1.0);
        Set<String> exported = exportedNames(lb.admin().metrics());

        String rules = Files.readString(RULES, StandardCharsets.UTF_8);
        assertThat(seriesRead(rules)).containsExactlyInAnyOrder("tandem_backend_up",
                "tandem_failover_transitions_total", "tandem_failover_heartbeats_received_total",
                "tandem_failover_role", "tandem_config_last_reload_success", "tandem_tls_certificate_expiry_seconds");
        assertThat(unexported(rules, exported)).isEmpty();
        // The check catches a misspelt series.
        assertThat(unexported(rules.replace("tandem_backend_up ==", "tandem_backends_up =="), exported))
                .containsExactly("tandem_backends_up");
    }

    /** The series the rules' expressions read that the scrape does not have. */
    private static List<String> unexported(String rules, Set<String> exported) {
        return seriesRead(rules).stream().filter(name -> !exported.contains(name)).collect(Collectors.toList());
    }

    /** The series names in the rules' expressions: identifiers that are neither PromQL nor a label. */
    private static Set<String> seriesRead(String rules) {
        Set<String> names = new TreeSet<>();
        Matcher expr = EXPR.matcher(rules);
        int exprs = 0;
        while (expr.find()) {
            exprs++;
            Matcher id = IDENTIFIER.matcher(NOT_SERIES.matcher(expr.group(1)).replaceAll(" "));
            while (id.find()) {
                if (!PROMQL_WORDS.contains(id.group())) {
                    names.add(id.group());
                }
            }
        }
        assertThat(exprs).as("expressions in the rules").isEqualTo(8);
        return names;
    }

    /** Every family and sample name of a scrape (a histogram's family and its _bucket samples alike). */
    private static Set<String> exportedNames(PrometheusText scrape) {
        Set<String> names = new TreeSet<>(scrape.types.keySet());
        scrape.samples.forEach(s -> names.add(s.name()));
        return names;
    }

    private static Result promtool(String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of("promtool"));
        command.addAll(List.of(args));
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new AssertionError("promtool is not on the PATH: .ci/run unpacks it from Debian's prometheus "
                    + "package (apt-get download prometheus; dpkg-deb -x)", e);
        }
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), output);
    }
}
