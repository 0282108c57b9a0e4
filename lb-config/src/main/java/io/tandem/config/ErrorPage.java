package io.tandem.config;

/**
 * A pool's page for one of the errors Tandem answers itself (502, 503, 504),
 * read from its file at load (and at every reload).
 *
 * @param file        the file, as configured
 * @param contentType by the file's extension: HTML, JSON or plain text
 * @param body        the file's content
 */
public record ErrorPage(String file, String contentType, String body) {

    /** Largest page accepted: it is kept in memory and sent whole. */
    public static final int MAX_SIZE = 1 << 20;

    /** The Content-Type for a page file by its extension. */
    static String contentType(String file) {
        String name = Units.lower(file);
        if (name.endsWith(".html") || name.endsWith(".htm")) {
            return "text/html; charset=utf-8";
        }
        if (name.endsWith(".json")) {
            return "application/json";
        }
        return "text/plain; charset=utf-8";
    }
}
