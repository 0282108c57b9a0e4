package io.tandem.core.cache;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A page body read for ESI (Edge Side Includes 1.0, the subset Varnish
 * implements): the runs of the body that go out as they are, and the
 * {@code <esi:include src="..."/>} tags between them. {@code <esi:remove>...
 * </esi:remove>} and {@code <esi:comment .../>} are dropped; the
 * {@code <!--esi} and {@code -->} around a block are dropped and the block
 * inside is read like the rest. Anything else, other tags of the esi
 * namespace included, goes out unchanged. Immutable; built once when a page
 * is stored.
 *
 * <p>The body is given as ISO-8859-1 text: one char per byte, so the offsets
 * of the literal runs are byte offsets into the body.
 */
public final class EsiTemplate {

    /** A part of the page: a literal run of the body {@code [start, end)}, or an include. */
    public sealed interface Segment permits Literal, Include {}

    public record Literal(int start, int end) implements Segment {}

    /**
     * @param src             the URL to include (a path, or an absolute http URL)
     * @param alt             the URL to try when {@code src} fails, or null
     * @param continueOnError {@code onerror="continue"}: a failed include is left out instead of failing the page
     */
    public record Include(String src, String alt, boolean continueOnError) implements Segment {}

    private static final Pattern ATTRIBUTE = Pattern.compile("([a-zA-Z_:-]+)\\s*=\\s*(\"([^\"]*)\"|'([^']*)')");

    private final List<Segment> segments;

    private EsiTemplate(List<Segment> segments) {
        this.segments = List.copyOf(segments);
    }

    public List<Segment> segments() {
        return segments;
    }

    /** The ESI of {@code body}, or null when it has no ESI markup (then it goes out as it is). */
    public static EsiTemplate parse(String body) {
        if (body.indexOf("<esi:") < 0 && body.indexOf("<!--esi") < 0) {
            return null;
        }
        List<Segment> out = new ArrayList<>();
        int literalStart = 0;
        int i = 0;
        int openComments = 0;
        while (i < body.length()) {
            int lt = body.indexOf('<', i);
            int close = openComments > 0 ? body.indexOf("-->", i) : -1;
            if (close >= 0 && (lt < 0 || close < lt)) {
                literal(out, literalStart, close);
                openComments--;
                i = literalStart = close + 3;
                continue;
            }
            if (lt < 0) {
                break;
            }
            if (body.startsWith("<!--esi", lt)) {
                literal(out, literalStart, lt);
                openComments++;
                i = literalStart = lt + 7;
            } else if (body.startsWith("<esi:remove", lt)) {
                int end = body.indexOf("</esi:remove>", lt);
                literal(out, literalStart, lt);
                i = literalStart = end < 0 ? body.length() : end + "</esi:remove>".length();
            } else if (body.startsWith("<esi:include", lt) || body.startsWith("<esi:comment", lt)) {
                int gt = body.indexOf('>', lt);
                if (gt < 0) {
                    break;
                }
                literal(out, literalStart, lt);
                String tag = body.substring(lt, gt + 1);
                i = literalStart = gt + 1;
                if (!tag.endsWith("/>")) {
                    String closing = tag.startsWith("<esi:include") ? "</esi:include>" : "</esi:comment>";
                    int end = body.indexOf(closing, i);
                    if (end >= 0) {
                        i = literalStart = end + closing.length();
                    }
                }
                if (tag.startsWith("<esi:include")) {
                    include(out, tag);
                }
            } else {
                i = lt + 1;
            }
        }
        literal(out, literalStart, body.length());
        return new EsiTemplate(out);
    }

    private static void include(List<Segment> out, String tag) {
        String src = null;
        String alt = null;
        boolean cont = false;
        Matcher m = ATTRIBUTE.matcher(tag);
        while (m.find()) {
            String value = m.group(3) != null ? m.group(3) : m.group(4);
            switch (m.group(1).toLowerCase(Locale.ROOT)) {
                case "src" -> src = value;
                case "alt" -> alt = value;
                case "onerror" -> cont = value.equals("continue");
                default -> { }
            }
        }
        if (src != null) {
            out.add(new Include(src.replace("&amp;", "&"), alt == null ? null : alt.replace("&amp;", "&"), cont));
        }
    }

    private static void literal(List<Segment> out, int start, int end) {
        if (end > start) {
            out.add(new Literal(start, end));
        }
    }
}
