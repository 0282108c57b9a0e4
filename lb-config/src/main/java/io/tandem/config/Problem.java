package io.tandem.config;

/**
 * One thing wrong with a config file: where, which key, and what is expected.
 * Printed as {@code FILE:LINE:COLUMN: key.path: message}.
 */
public record Problem(Mark mark, String path, String message) {

    @Override
    public String toString() {
        String where = mark == null ? "" : mark + ": ";
        String key = path == null || path.isEmpty() ? "" : path + ": ";
        return where + key + message;
    }
}
