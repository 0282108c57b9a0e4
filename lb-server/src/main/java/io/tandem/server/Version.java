package io.tandem.server;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * What the build recorded about itself: the version and build date (Maven
 * filters them into {@code version.properties}) and the git commit
 * ({@code commit.properties}, written by {@code src/build/commit-properties}).
 * A value the build could not know reads "unknown".
 */
public final class Version {

    private static final Properties BUILD = load("version.properties", "commit.properties");

    private Version() {}

    public static String get() {
        return value("version");
    }

    /** The abbreviated git commit, with "-dirty" when tracked files had uncommitted changes. */
    public static String commit() {
        return value("commit");
    }

    /** When the jar was built, as an ISO-8601 UTC time. */
    public static String buildDate() {
        return value("built");
    }

    /** The running JDK: its version and vendor, e.g. "17.0.13 (Eclipse Adoptium)". */
    public static String jdk() {
        return Runtime.version() + " (" + System.getProperty("java.vendor", "unknown vendor") + ")";
    }

    private static String value(String key) {
        String v = BUILD.getProperty(key, "");
        // An unfiltered placeholder means the resource came from the sources, not from a build.
        return v.isEmpty() || v.startsWith("${") ? "unknown" : v;
    }

    private static Properties load(String... resources) {
        Properties p = new Properties();
        for (String resource : resources) {
            try (InputStream in = Version.class.getResourceAsStream(resource)) {
                if (in != null) {
                    p.load(in);
                }
            } catch (IOException e) {
                // stays unknown
            }
        }
        return p;
    }
}
