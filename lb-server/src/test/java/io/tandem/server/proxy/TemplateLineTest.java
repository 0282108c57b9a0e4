package io.tandem.server.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.config.AccessLogConfig;
import io.tandem.config.AccessLogTemplate;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The Common, Combined and template lines, field by field, with a pinned time and zone. */
class TemplateLineTest {

    private static final Instant NOW = Instant.parse("2026-12-06T20:30:05.123Z");

    private final List<String> written = new ArrayList<>();
    private final AccessLog.Sink sink = written::add;

    private static AccessEntry full() {
        AccessEntry e = new AccessEntry();
        e.client = "192.0.2.7";
        e.method = "POST";
        e.uri = "/cart?id=7";
        e.protocol = "HTTP/1.1";
        e.host = "shop.example.com";
        e.userAgent = "curl/8.5.0";
        e.referer = "https://example.com/";
        e.authorization = "Basic YWxpY2U6c2VjcmV0"; // alice:secret
        e.status = 201;
        e.bytesIn = 12;
        e.bytesOut = 5120;
        e.pool = "web";
        e.backend = "10.0.0.11:80";
        e.connectNanos = 250_000;
        e.firstByteNanos = 3_000_000;
        e.totalNanos = 3_412_999;
        e.retries = 1;
        e.requestId = "9f3c";
        e.tls = new AccessEntry.TlsSession("TLSv1.3", "TLS_AES_128_GCM_SHA256", "shop.example.com");
        return e;
    }

    private static String render(String template, AccessEntry e, ZoneId zone) {
        return new TemplateLine("web", AccessLogTemplate.parse(template), null, zone).render(e, NOW);
    }

    // The Combined Log Format is nginx's: CLF time in the host's zone, the request line, referer and agent quoted.
    @Test
    void combined() {
        assertThat(new TemplateLine("web", AccessLogTemplate.COMBINED, null, ZoneId.of("Europe/Berlin"))
                .render(full(), NOW))
                .isEqualTo("192.0.2.7 - alice [06/Dec/2026:21:30:05 +0100] \"POST /cart?id=7 HTTP/1.1\" 201 5120 "
                        + "\"https://example.com/\" \"curl/8.5.0\"");
    }

    // Every field of a template, in the order of the reference.
    @Test
    void everyField() {
        String line = render("$client|$user|$time|$time_clf|$method|$uri|$protocol|$request|$status|$host|"
                + "$user_agent|$referer|$bytes_in|$bytes_out|$pool|$backend|$connect_time|$first_byte_time|"
                + "$total_time|$retries|$request_id|$listener|$tls_protocol|$tls_cipher|$tls_sni", full(),
                ZoneId.of("UTC"));
        assertThat(line).isEqualTo("192.0.2.7|alice|2026-12-06T20:30:05.123Z|06/Dec/2026:20:30:05 +0000|POST|"
                + "/cart?id=7|HTTP/1.1|POST /cart?id=7 HTTP/1.1|201|shop.example.com|curl/8.5.0|https://example.com/|"
                + "12|5120|web|10.0.0.11:80|0.000250|0.003000|0.003412|1|9f3c|web|TLSv1.3|TLS_AES_128_GCM_SHA256|"
                + "shop.example.com");
    }

    // A request Tandem answered itself has no user, backend, timings, headers or TLS: each prints "-".
    @Test
    void absentFieldsAreDashes() {
        AccessEntry e = new AccessEntry();
        e.client = "10.0.0.1";
        e.status = 400;
        assertThat(render("$user $request $backend $connect_time $first_byte_time $referer $tls_sni $pool $retries",
                e, ZoneId.of("UTC")))
                .isEqualTo("- - - - - - - - - 0");
    }

    // Quotes, backslashes, control characters and non-ASCII bytes become \xHH, as nginx writes them.
    @Test
    void clientTextIsEscaped() {
        AccessEntry e = full();
        e.uri = "/a\"b\\c\nd\u00e9";          // é as one ISO-8859-1 char: the byte 0xE9 the client sent
        e.userAgent = "x\" \"forged";
        e.referer = "\u20ac";                   // a char beyond a byte: its UTF-8 bytes
        assertThat(render("\"$uri\" \"$user_agent\" $referer", e, ZoneId.of("UTC")))
                .isEqualTo("\"/a\\x22b\\x5Cc\\x0Ad\\xE9\" \"x\\x22 \\x22forged\" \\xE2\\x82\\xAC");
    }

    // An Authorization header that is not Basic, or not base64, has no user.
    @Test
    void userOnlyFromBasic() {
        AccessEntry e = full();
        e.authorization = "Bearer abc";
        assertThat(e.user()).isNull();
        e.authorization = "Basic !!!";
        assertThat(e.user()).isNull();
        e.authorization = "basic Ym9i"; // bob, no colon
        assertThat(e.user()).isEqualTo("bob");
    }

    // common, combined and template formats reach the sink through AccessLog.of.
    @Test
    void formatsGoThroughTheFactory() {
        AccessLog log = AccessLog.of("web", new AccessLogConfig(true, AccessLogConfig.Format.TEMPLATE,
                Optional.of(AccessLogTemplate.parse("$listener $status $$")), Optional.empty()), sink);
        log.log(full());
        AccessLog.of("web", new AccessLogConfig(true, AccessLogConfig.Format.COMMON), sink).log(full());
        assertThat(written).hasSize(2);
        assertThat(written.get(0)).isEqualTo("web 201 $");
        assertThat(written.get(1)).matches("192\\.0\\.2\\.7 - alice "
                + "\\[\\d\\d/\\w{3}/\\d{4}:\\d\\d:\\d\\d:\\d\\d [+-]\\d{4}\\] "
                + "\"POST /cart\\?id=7 HTTP/1\\.1\" 201 5120");
    }
}
