package io.tandem.core.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.tandem.core.cache.EsiTemplate.Include;
import io.tandem.core.cache.EsiTemplate.Literal;
import io.tandem.core.cache.EsiTemplate.Segment;
import org.junit.jupiter.api.Test;

class EsiTemplateTest {

    /** The page as it goes out with each include written as [src]. */
    private static String render(String body, EsiTemplate t) {
        StringBuilder b = new StringBuilder();
        for (Segment s : t.segments()) {
            if (s instanceof Literal l) {
                b.append(body, l.start(), l.end());
            } else {
                Include i = (Include) s;
                b.append('[').append(i.src()).append(i.continueOnError() ? ",continue" : "")
                        .append(i.alt() != null ? ",alt=" + i.alt() : "").append(']');
            }
        }
        return b.toString();
    }

    // A body without ESI markup has no template: it goes out as it is.
    @Test
    void plainBody() {
        assertThat(EsiTemplate.parse("<html><esi-not>x</esi-not></html>")).isNull();
    }

    // include (both forms, attributes in either quotes), remove, comment and <!--esi --> each do their part.
    @Test
    void theVarnishSubset() {
        String body = "<p>a</p><esi:include src=\"/h\"/>"
                + "<esi:remove><a href=/nojs>x</a></esi:remove>"
                + "<!--esi <b><esi:include src='/f?a=1&amp;b=2' onerror=\"continue\"></esi:include></b> -->"
                + "<esi:comment text=\"gone\"/><i>end</i><esi:include src=\"/x\" alt=\"/y\" />";
        assertThat(render(body, EsiTemplate.parse(body)))
                .isEqualTo("<p>a</p>[/h] <b>[/f?a=1&b=2,continue]</b> <i>end</i>[/x,alt=/y]");
    }

    // Literal runs are offsets into the body; an ordinary HTML comment stays.
    @Test
    void literalOffsets() {
        String body = "ab<!-- c -->d<esi:include src=\"/z\"/>e";
        EsiTemplate t = EsiTemplate.parse(body);
        assertThat(t.segments()).containsExactly(new Literal(0, 13), new Include("/z", null, false),
                new Literal(36, 37));
        assertThat(render(body, t)).isEqualTo("ab<!-- c -->d[/z]e");
    }
}
