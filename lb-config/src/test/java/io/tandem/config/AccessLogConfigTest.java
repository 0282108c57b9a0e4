package io.tandem.config;

import static io.tandem.config.TestConfigs.parse;
import static io.tandem.config.TestConfigs.problems;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The access log's formats, templates and syslog target as the loader reads them. */
class AccessLogConfigTest {

    private static String[] listener(String accessLog) {
        return new String[] {
            "listeners:",
            "  - bind: 127.0.0.1:8080",
            "    pool: web",
            "    access-log: " + accessLog,
            "pools:",
            "  web:",
            "    backends: [ { address: 127.0.0.1:9000 } ]",
        };
    }

    private static AccessLogConfig accessLog(String accessLog) throws Exception {
        return parse(listener(accessLog)).listeners().get(0).accessLog();
    }

    private static AccessLogTemplate.Segment text(String literal) {
        return new AccessLogTemplate.Segment(literal, null);
    }

    private static AccessLogTemplate.Segment field(AccessLogField field) {
        return new AccessLogTemplate.Segment(null, field);
    }

    // A template is split into literal text and fields; $$ is a literal $, a name ends at the first other character.
    @Test
    void templateSegments() {
        AccessLogTemplate t = AccessLogTemplate.parse("$client \"$request\" $$5 [$total_time]s$tls_sni");
        assertThat(t.segments()).containsExactly(field(AccessLogField.CLIENT), text(" \""),
                field(AccessLogField.REQUEST), text("\" $5 ["), field(AccessLogField.TOTAL_TIME), text("]s"),
                field(AccessLogField.TLS_SNI));
        assertThat(t.text()).isEqualTo("$client \"$request\" $$5 [$total_time]s$tls_sni");
    }

    // An unknown field names the closest known one; a lone $ says how to write a literal one.
    @Test
    void templateMistakes() {
        assertThatThrownBy(() -> AccessLogTemplate.parse("$client $stauts"))
                .hasMessageStartingWith("unknown field '$stauts'; did you mean '$status'? Fields are client, user,");
        assertThatThrownBy(() -> AccessLogTemplate.parse("100$ $client"))
                .hasMessageStartingWith("'$' at offset 3 names no field; write $$ for a literal $");
    }

    // common and combined are the nginx/Apache lines, built in.
    @Test
    void builtInFormats() throws Exception {
        AccessLogConfig common = accessLog("{ enabled: true, format: common }");
        assertThat(common.format()).isEqualTo(AccessLogConfig.Format.COMMON);
        assertThat(common.template().orElseThrow().text())
                .isEqualTo("$client - $user [$time_clf] \"$request\" $status $bytes_out");
        assertThat(accessLog("{ enabled: true, format: combined }").template().orElseThrow().text())
                .isEqualTo("$client - $user [$time_clf] \"$request\" $status $bytes_out \"$referer\" \"$user_agent\"");
        assertThat(accessLog("{ enabled: true, format: json }").template()).isEmpty();
    }

    // A template alone means format: template; without syslog the lines go to the logger.
    @Test
    void templateAloneIsTheFormat() throws Exception {
        AccessLogConfig c = accessLog("{ enabled: true, template: '$status $pool' }");
        assertThat(c).isEqualTo(new AccessLogConfig(true, AccessLogConfig.Format.TEMPLATE,
                Optional.of(new AccessLogTemplate("$status $pool", List.of(field(AccessLogField.STATUS), text(" "),
                        field(AccessLogField.POOL)))), Optional.empty()));
    }

    // An unknown field is reported at the template's position, with the key path.
    @Test
    void unknownFieldIsAProblemWithPosition() {
        assertThat(problems(listener("{ enabled: true, format: template, template: \"$client $usr_agent\" }")))
                .startsWith("t.yaml:4:62: listeners[0].access-log.template: unknown field '$usr_agent'; did you mean "
                        + "'$user_agent'?");
    }

    // format: template needs a template, and a template needs format: template.
    @Test
    void templateAndFormatGoTogether() {
        assertThat(problems(listener("{ enabled: true, format: template }")))
                .isEqualTo("t.yaml:4:42: listeners[0].access-log.format: format: template needs a template, e.g. "
                        + "template: \"$client $method $uri $status $backend $total_time\"");
        assertThat(problems(listener("{ enabled: true, format: json, template: '$status' }")))
                .isEqualTo("t.yaml:4:58: listeners[0].access-log.template: only applies with format: template (this "
                        + "log is format: json)");
    }

    // A syslog target has defaults for everything but its address.
    @Test
    void syslogDefaults() throws Exception {
        AccessLogConfig c = accessLog("{ enabled: true, format: combined, syslog: { address: 127.0.0.1:5514 } }");
        assertThat(c.syslog()).contains(new SyslogConfig(HostPort.parse("127.0.0.1:5514"),
                SyslogConfig.Transport.UDP, SyslogConfig.Facility.LOCAL0, "tandem"));
        AccessLogConfig tcp = accessLog("{ enabled: true, syslog: { address: 'log.example.com:6514', transport: tcp, "
                + "facility: daemon, app-name: lb-web } }");
        assertThat(tcp.syslog()).contains(new SyslogConfig(HostPort.parse("log.example.com:6514"),
                SyslogConfig.Transport.TCP, SyslogConfig.Facility.DAEMON, "lb-web"));
        assertThat(SyslogConfig.Facility.LOCAL7.code()).isEqualTo(23);
        assertThat(SyslogConfig.Facility.DAEMON.code()).isEqualTo(3);
    }

    // A syslog target without an address, with an unknown facility or a bad app-name is refused, all at once.
    @Test
    void syslogMistakes() {
        assertThat(problems(listener("{ enabled: true, syslog: { facility: local9, app-name: 'my app' } }")))
                .isEqualTo(String.join("\n",
                        "t.yaml:4:34: listeners[0].access-log.syslog.address: is required",
                        "t.yaml:4:54: listeners[0].access-log.syslog.facility: 'local9' is not a syslog facility; "
                                + "did you mean 'local0'? expected one of kern, user, mail, daemon, auth, syslog, lpr, "
                                + "news, uucp, cron, authpriv, ftp, ntp, audit, alert, clock, local0, local1, local2, "
                                + "local3, local4, local5, local6, local7",
                        "t.yaml:4:72: listeners[0].access-log.syslog.app-name: 'my app' is not a syslog app-name; "
                                + "expected 1-48 printable ASCII characters without spaces"));
    }
}
