package io.tandem.config;

import java.time.Duration;

/**
 * Passive health checks (outlier detection) of a pool: backends that fail real
 * requests in a row are ejected for a while, without waiting for an active probe.
 *
 * @param consecutiveFailures connect failures/resets in a row that eject a backend; 0 turns this off
 * @param consecutive5xx      5xx responses in a row that eject a backend; 0 (the default) turns this off
 * @param ejectionTime        how long the first ejection lasts; doubled on each repeat ejection
 * @param maxEjectionTime     cap of the doubled ejection time
 * @param maxEjectedPercent   never eject more than this share (0-100) of a pool's backends at once
 */
public record OutlierConfig(
        int consecutiveFailures,
        int consecutive5xx,
        Duration ejectionTime,
        Duration maxEjectionTime,
        int maxEjectedPercent) {

    /** The settings a pool gets when it has no {@code outlier} section. */
    public static final OutlierConfig DEFAULT = new OutlierConfig(Defaults.OUTLIER_CONSECUTIVE_FAILURES,
            Defaults.OUTLIER_CONSECUTIVE_5XX, Defaults.OUTLIER_EJECTION_TIME, Defaults.OUTLIER_MAX_EJECTION_TIME,
            Defaults.OUTLIER_MAX_EJECTED_PERCENT);
}
