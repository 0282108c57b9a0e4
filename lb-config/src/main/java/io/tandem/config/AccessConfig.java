package io.tandem.config;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Who may use a listener or a route: a client address in {@code deny} is
 * refused (403); with {@code allow} set, so is one outside it; then, on a
 * route with {@code basicAuth}, the client must send a user and password of
 * its file (401 otherwise).
 */
public record AccessConfig(List<CidrRange> allow, List<CidrRange> deny, Optional<BasicAuthConfig> basicAuth) {

    /** Everyone may. */
    public static final AccessConfig OPEN = new AccessConfig(List.of(), List.of(), Optional.empty());

    public AccessConfig {
        allow = List.copyOf(allow);
        deny = List.copyOf(deny);
    }

    /** Whether this lets every request through without a look. */
    public boolean open() {
        return allow.isEmpty() && deny.isEmpty() && basicAuth.isEmpty();
    }

    /**
     * HTTP basic authentication against a file of bcrypt hashes.
     *
     * @param file  the file, as configured (re-read at every reload)
     * @param realm the realm of the {@code WWW-Authenticate} challenge
     * @param users user name to bcrypt hash ({@code $2y$...}), as read from the file at load
     */
    public record BasicAuthConfig(String file, String realm, Map<String, String> users) {

        public BasicAuthConfig {
            users = Map.copyOf(users);
        }
    }
}
