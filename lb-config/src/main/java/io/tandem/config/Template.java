package io.tandem.config;

import java.util.ArrayList;
import java.util.List;

/**
 * A header value or redirect location with variables: {@code {client}},
 * {@code {request-id}}, {@code {host}}, {@code {scheme}}, {@code {path}},
 * {@code {query}} and {@code {uri}}; {@code {{} writes a literal {@code {}.
 * Parsed once at load; a template without variables, or of one variable
 * alone, expands without allocating. Immutable.
 */
public final class Template {

    /** What a template may refer to; each request answers them. */
    public enum Variable {
        CLIENT("client"),
        REQUEST_ID("request-id"),
        HOST("host"),
        SCHEME("scheme"),
        PATH("path"),
        QUERY("query"),
        URI("uri");

        private final String configName;

        Variable(String configName) {
            this.configName = configName;
        }

        public String configName() {
            return configName;
        }
    }

    /** The values of the variables for one request. */
    public interface Values {
        String value(Variable variable);
    }

    private final String text;
    /** Each part a String (literal) or a Variable. */
    private final Object[] parts;
    /** The whole value when there are no variables, else null. */
    private final String constant;
    /** The one variable when that is the whole template (e.g. {@code {client}}), else null. */
    private final Variable only;

    private Template(String text, Object[] parts) {
        this.text = text;
        this.parts = parts;
        this.constant = parts.length == 0 ? "" : parts.length == 1 && parts[0] instanceof String
                ? (String) parts[0] : null;
        this.only = parts.length == 1 && parts[0] instanceof Variable ? (Variable) parts[0] : null;
    }

    /** Parses {@code text}; throws IllegalArgumentException naming an unknown or unclosed variable. */
    public static Template parse(String text) {
        List<Object> parts = new ArrayList<>();
        StringBuilder literal = new StringBuilder();
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c != '{') {
                literal.append(c);
                i++;
                continue;
            }
            if (text.startsWith("{{", i)) {
                literal.append('{');
                i += 2;
                continue;
            }
            int close = text.indexOf('}', i);
            if (close < 0) {
                throw new IllegalArgumentException("'" + text + "' has an unclosed {; " + expected());
            }
            String name = text.substring(i + 1, close);
            Variable variable = null;
            for (Variable v : Variable.values()) {
                if (v.configName.equals(name)) {
                    variable = v;
                }
            }
            if (variable == null) {
                throw new IllegalArgumentException("'{" + name + "}' is not a variable; " + expected());
            }
            if (literal.length() > 0) {
                parts.add(literal.toString());
                literal.setLength(0);
            }
            parts.add(variable);
            i = close + 1;
        }
        if (literal.length() > 0) {
            parts.add(literal.toString());
        }
        return new Template(text, parts.toArray());
    }

    private static String expected() {
        StringBuilder s = new StringBuilder("expected ");
        for (Variable v : Variable.values()) {
            s.append('{').append(v.configName).append("}, ");
        }
        return s.append("or {{ for a literal {").toString();
    }

    /** The value for one request. */
    public String expand(Values values) {
        if (constant != null) {
            return constant;
        }
        if (only != null) {
            // The request's own string, no copy.
            String value = values.value(only);
            return value == null ? "" : value;
        }
        StringBuilder out = new StringBuilder(64);
        for (Object part : parts) {
            if (part instanceof String) {
                out.append((String) part);
            } else {
                String value = values.value((Variable) part);
                out.append(value == null ? "" : value);
            }
        }
        return out.toString();
    }

    /** The template as written. */
    public String text() {
        return text;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Template && ((Template) o).text.equals(text);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }

    @Override
    public String toString() {
        return text;
    }
}
