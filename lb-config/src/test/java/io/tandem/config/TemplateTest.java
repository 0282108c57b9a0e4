package io.tandem.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Template parsing and expansion. */
class TemplateTest {

    private static final Map<Template.Variable, String> VALUES = Map.of(
            Template.Variable.CLIENT, "10.0.0.7",
            Template.Variable.REQUEST_ID, "abc",
            Template.Variable.HOST, "www.example.com",
            Template.Variable.SCHEME, "https",
            Template.Variable.PATH, "/a/b",
            Template.Variable.QUERY, "x=1",
            Template.Variable.URI, "/a/b?x=1");

    private static String expand(String text) {
        return Template.parse(text).expand(VALUES::get);
    }

    // Every variable expands to its request's value, between literals.
    @Test
    void expandsEveryVariable() {
        assertThat(expand("{scheme}://{host}/new{path}?{query}")).isEqualTo("https://www.example.com/new/a/b?x=1");
        assertThat(expand("for={client};id={request-id}")).isEqualTo("for=10.0.0.7;id=abc");
        assertThat(expand("https://new.example.com{uri}")).isEqualTo("https://new.example.com/a/b?x=1");
    }

    // A template without variables is the same string every time; {{ is a literal brace.
    @Test
    void constantsAndEscapes() {
        Template t = Template.parse("prod");
        assertThat(t.expand(v -> { throw new AssertionError("no variable"); })).isSameAs(t.expand(VALUES::get));
        assertThat(expand("{{x} {host}")).isEqualTo("{x} www.example.com");
        assertThat(Template.parse("{client}").expand(VALUES::get)).isSameAs(VALUES.get(Template.Variable.CLIENT));
        assertThat(expand("")).isEmpty();
    }

    // Unknown and unclosed variables are refused with the list of known ones.
    @Test
    void refusesUnknownVariables() {
        assertThatThrownBy(() -> Template.parse("{client-ip}")).hasMessage("'{client-ip}' is not a variable; "
                + "expected {client}, {request-id}, {host}, {scheme}, {path}, {query}, {uri}, or {{ for a literal {");
        assertThatThrownBy(() -> Template.parse("a{host")).hasMessageStartingWith("'a{host' has an unclosed {;");
    }
}
