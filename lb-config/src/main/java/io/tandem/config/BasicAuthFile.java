package io.tandem.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads an htpasswd file of bcrypt hashes ({@code htpasswd -B}, or
 * {@code user:$2y$10$...} lines however made): one user per line, {@code #}
 * comments and blank lines ignored. Other hash schemes (MD5 {@code $apr1$},
 * SHA-1, crypt) are refused: they are too fast to guess against. Pure.
 */
final class BasicAuthFile {

    /** A modular-crypt bcrypt hash: version, cost 04-31, 22 characters of salt and 31 of hash. */
    private static final Pattern BCRYPT = Pattern.compile("\\$2[aby]?\\$(0[4-9]|[12][0-9]|3[01])\\$[./A-Za-z0-9]{53}");

    private BasicAuthFile() {}

    /** The users of {@code text} by name; each problem, naming its line, goes to {@code problems}. */
    static Map<String, String> parse(String text, String file, List<String> problems) {
        Map<String, String> users = new LinkedHashMap<>();
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String where = file + " line " + (i + 1) + ": ";
            int colon = line.indexOf(':');
            if (colon <= 0) {
                problems.add(where + "expected user:bcrypt-hash (htpasswd -B)");
                continue;
            }
            String user = line.substring(0, colon);
            String hash = line.substring(colon + 1);
            if (!BCRYPT.matcher(hash).matches()) {
                problems.add(where + "the hash of '" + user + "' is not bcrypt; expected $2y$... "
                        + "(htpasswd -B makes one; MD5, SHA-1 and crypt hashes are not accepted)");
            } else if (users.putIfAbsent(user, hash) != null) {
                problems.add(where + "'" + user + "' is already listed");
            }
        }
        if (users.isEmpty() && problems.isEmpty()) {
            problems.add(file + " lists no user; expected user:bcrypt-hash lines (htpasswd -B)");
        }
        return users;
    }
}
