package io.tandem.config;

import java.util.ArrayList;
import java.util.List;

/**
 * An access-log line as text with named fields: {@code $client "$request" $status},
 * the way an nginx {@code log_format} reads. A name is the longest run of
 * letters, digits and {@code _} after {@code $}; {@code $$} writes one {@code $}.
 * ({@code ${name}} is not offered: the config file reads {@code ${NAME}} as an
 * environment variable.) Immutable.
 *
 * @param text     the template as written
 * @param segments the literal text and fields in order
 */
public record AccessLogTemplate(String text, List<Segment> segments) {

    /** The Common Log Format (Apache's {@code common}, nginx's fields). */
    public static final AccessLogTemplate COMMON = parse("$client - $user [$time_clf] \"$request\" $status $bytes_out");

    /** The Combined Log Format: common plus referer and user agent. */
    public static final AccessLogTemplate COMBINED = parse(COMMON.text() + " \"$referer\" \"$user_agent\"");

    public AccessLogTemplate {
        segments = List.copyOf(segments);
    }

    /** Literal text ({@code field} null) or one field ({@code literal} null). */
    public record Segment(String literal, AccessLogField field) {}

    /**
     * Parses {@code text}; throws {@link IllegalArgumentException} naming the
     * first unknown field (with the closest known one) or a lone {@code $}.
     */
    public static AccessLogTemplate parse(String text) {
        List<Segment> segments = new ArrayList<>();
        StringBuilder literal = new StringBuilder();
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c != '$') {
                literal.append(c);
                i++;
                continue;
            }
            if (text.startsWith("$$", i)) {
                literal.append('$');
                i += 2;
                continue;
            }
            int end = i + 1;
            while (end < text.length() && isNameChar(text.charAt(end))) {
                end++;
            }
            String name = text.substring(i + 1, end);
            if (name.isEmpty()) {
                throw new IllegalArgumentException("'$' at offset " + i + " names no field; write $$ for a "
                        + "literal $, or $name with a name of " + String.join(", ", AccessLogField.configNames()));
            }
            AccessLogField field = AccessLogField.fromConfig(name);
            if (field == null) {
                String hint = Suggestions.closest(name, AccessLogField.configNames());
                throw new IllegalArgumentException("unknown field '$" + name + "'"
                        + (hint != null ? "; did you mean '$" + hint + "'?" : "")
                        + " Fields are " + String.join(", ", AccessLogField.configNames()));
            }
            if (literal.length() > 0) {
                segments.add(new Segment(literal.toString(), null));
                literal.setLength(0);
            }
            segments.add(new Segment(null, field));
            i = end;
        }
        if (literal.length() > 0) {
            segments.add(new Segment(literal.toString(), null));
        }
        return new AccessLogTemplate(text, segments);
    }

    private static boolean isNameChar(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_';
    }
}
