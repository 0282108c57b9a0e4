package io.tandem.server.tls;

import static org.assertj.core.api.Assertions.assertThat;

import javax.security.auth.x500.X500Principal;
import org.junit.jupiter.api.Test;

/** A client certificate's subject as a header value: RFC 2253, anything but printable ASCII escaped. */
class ClientSubjectTest {

    // Plain subjects pass as RFC 2253 text; non-ASCII, control characters and % become %XX of their UTF-8.
    @Test
    void rfc2253WithEscapes() {
        assertThat(ClientSubject.of(new X500Principal("CN=alice, O=Example, C=DE")))
                .isEqualTo("CN=alice,O=Example,C=DE");
        assertThat(ClientSubject.of(new X500Principal("CN=Jürgen 100%"))).isEqualTo("CN=J%C3%BCrgen 100%25");
        assertThat(ClientSubject.of(new X500Principal("CN=a\r\nX-Evil: 1"))).isEqualTo("CN=a%0D%0AX-Evil: 1");
    }
}
