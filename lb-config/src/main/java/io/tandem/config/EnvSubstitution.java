package io.tandem.config;

import java.util.function.Function;

/**
 * Replaces {@code ${NAME}} and {@code ${NAME:-default}} in a config value with
 * environment variables, so a compose file or a systemd unit can pass secrets
 * and addresses. {@code :-} takes the default when the variable is unset or
 * empty, as in POSIX shells; {@code $${} writes a literal {@code ${}. Only
 * values are substituted, never keys. Pure: the environment is passed in.
 */
final class EnvSubstitution {

    private static final String FORMS = "expected ${NAME} or ${NAME:-default}";

    private EnvSubstitution() {}

    /** A bad reference, and where in the value it starts. */
    static final class BadReference extends IllegalArgumentException {

        private static final long serialVersionUID = 1L;

        private final int offset;

        BadReference(String message, int offset) {
            super(message);
            this.offset = offset;
        }

        /** The index of the reference's {@code $} in the value. */
        int offset() {
            return offset;
        }
    }

    /** Returns {@code text} with every reference replaced; throws {@link BadReference} for the first bad one. */
    static String apply(String text, Function<String, String> env) {
        if (text.indexOf('$') < 0) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length());
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == '$' && text.startsWith("$${", i)) {
                out.append("${");
                i += 3;
            } else if (c == '$' && text.startsWith("${", i)) {
                int close = text.indexOf('}', i + 2);
                if (close < 0) {
                    throw new BadReference("'" + text + "' has an unclosed ${; " + FORMS, i);
                }
                try {
                    out.append(resolve(text.substring(i + 2, close), env));
                } catch (IllegalArgumentException e) {
                    throw new BadReference(e.getMessage(), i);
                }
                i = close + 1;
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    private static String resolve(String reference, Function<String, String> env) {
        int sep = reference.indexOf(":-");
        String name = sep < 0 ? reference : reference.substring(0, sep);
        if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
            throw new IllegalArgumentException("'${" + reference + "}' does not name an environment variable; "
                    + FORMS + " (NAME of letters, digits and _)");
        }
        String value = env.apply(name);
        if (sep >= 0) {
            return value == null || value.isEmpty() ? reference.substring(sep + 2) : value;
        }
        if (value == null) {
            throw new IllegalArgumentException("environment variable " + name + " is not set; set it or give a "
                    + "default: ${" + name + ":-value}");
        }
        return value;
    }
}
