package io.tandem.config;

import java.util.ArrayList;
import java.util.List;

/** HTTP status ranges such as {@code 200-399} or {@code 200,204}; immutable. */
public final class StatusRanges {

    private final int[] lows;
    private final int[] highs;
    private final String text;

    private StatusRanges(int[] lows, int[] highs, String text) {
        this.lows = lows;
        this.highs = highs;
        this.text = text;
    }

    public static StatusRanges parse(String text) {
        String expected = "expected status codes or ranges such as 200-399 or 200,204";
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("is empty; " + expected);
        }
        List<int[]> ranges = new ArrayList<>();
        for (String part : text.split(",")) {
            String p = part.trim();
            int dash = p.indexOf('-');
            int low;
            int high;
            try {
                low = Integer.parseInt(dash < 0 ? p : p.substring(0, dash).trim());
                high = dash < 0 ? low : Integer.parseInt(p.substring(dash + 1).trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + text + "' is not a status list; " + expected);
            }
            if (low < 100 || high > 599 || low > high) {
                throw new IllegalArgumentException("'" + p + "' is not a range of statuses within 100-599; " + expected);
            }
            ranges.add(new int[] {low, high});
        }
        int[] lows = new int[ranges.size()];
        int[] highs = new int[ranges.size()];
        for (int i = 0; i < ranges.size(); i++) {
            lows[i] = ranges.get(i)[0];
            highs[i] = ranges.get(i)[1];
        }
        return new StatusRanges(lows, highs, text.replace(" ", ""));
    }

    public boolean contains(int status) {
        for (int i = 0; i < lows.length; i++) {
            if (status >= lows[i] && status <= highs[i]) {
                return true;
            }
        }
        return false;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StatusRanges && ((StatusRanges) o).text.equals(text);
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
