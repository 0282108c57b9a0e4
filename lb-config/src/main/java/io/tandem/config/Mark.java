package io.tandem.config;

/** A position in a config file, 1-based, as editors and compilers print it. */
public record Mark(String file, int line, int column) {

    @Override
    public String toString() {
        return file + ":" + line + ":" + column;
    }
}
