package io.tandem.config;

/**
 * One backend server of a pool.
 *
 * @param backup   used only when no primary backend of the pool is up
 * @param origin   where it came from: the file, the admin API or a DNS answer
 * @param stickyId the sticky-session cookie value naming it, or null for the
 *                 one derived from its address (the admin API may set one, so
 *                 a replacement keeps the sessions of the backend it replaces)
 */
public record BackendConfig(HostPort address, int weight, boolean backup, BackendOrigin origin, String stickyId) {

    public BackendConfig {
        if (origin == null) {
            throw new IllegalArgumentException("origin is required");
        }
    }

    /** A backend the config file names. */
    public BackendConfig(HostPort address, int weight, boolean backup) {
        this(address, weight, backup, BackendOrigin.FILE, null);
    }
}
