package io.tandem.config;

import java.util.Locale;

/**
 * Where a backend of a pool came from: the config file, the admin API (kept in
 * the state file beside the config), or a DNS answer of a {@code dns:} or
 * {@code dns-srv:} entry. The config file is the source of truth for what it
 * names: an address it names is {@link #FILE}, whatever else also names it.
 */
public enum BackendOrigin {
    FILE, API, DNS;

    /** The name in /status and the admin API: {@code file}, {@code api}, {@code dns}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
