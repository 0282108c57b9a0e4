package io.tandem.config;

import java.util.Map;

/** Parses config text in tests with a fixed environment instead of the process's. */
final class TestConfigs {

    private TestConfigs() {}

    static TandemConfig parse(Map<String, String> env, String... lines) throws ConfigException {
        return ConfigLoader.parse(String.join("\n", lines) + "\n", "t.yaml", env::get);
    }

    static TandemConfig parse(String... lines) throws ConfigException {
        return parse(Map.of(), lines);
    }

    /** The whole error text of {@code lines}; fails when they parse. */
    static String problems(Map<String, String> env, String... lines) {
        try {
            parse(env, lines);
        } catch (ConfigException e) {
            return e.getMessage();
        }
        throw new AssertionError("expected problems in:\n" + String.join("\n", lines));
    }

    static String problems(String... lines) {
        return problems(Map.of(), lines);
    }
}
