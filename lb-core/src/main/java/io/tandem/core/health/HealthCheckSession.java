package io.tandem.core.health;

/**
 * The active-check state machine of one backend: HAProxy's rise/fall. A
 * backend that is up goes down after {@code fall} failed checks in a row; one
 * that is down comes up after {@code rise} passed checks in a row. A result
 * that breaks a run resets it, so a backend flapping on every check never
 * changes state faster than rise/fall allow. Before its first result a
 * backend is {@link Status#UNCHECKED}, and the first result decides at once
 * (the start-up probe).
 *
 * <p>Not thread-safe: {@link PoolHealth} calls it under its lock.
 */
public final class HealthCheckSession {

    /** A backend's health as active checks see it. */
    public enum Status {
        UNCHECKED, UP, DOWN;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final int rise;
    private final int fall;
    private Status status;
    private int passes;
    private int failures;

    private HealthCheckSession(int rise, int fall, Status status) {
        if (rise < 1 || fall < 1) {
            throw new IllegalArgumentException("rise and fall must be at least 1");
        }
        this.rise = rise;
        this.fall = fall;
        this.status = status;
    }

    /** A backend whose first check result decides its state. */
    public static HealthCheckSession unchecked(int rise, int fall) {
        return new HealthCheckSession(rise, fall, Status.UNCHECKED);
    }

    /** A backend assumed up until {@code fall} checks fail. */
    public static HealthCheckSession up(int rise, int fall) {
        return new HealthCheckSession(rise, fall, Status.UP);
    }

    /**
     * A backend down until {@code rise} checks in a row pass: one added to a
     * running pool (admin API, DNS), which must prove itself before it takes
     * traffic, where a start-up probe trusts the first answer.
     */
    public static HealthCheckSession down(int rise, int fall) {
        return new HealthCheckSession(rise, fall, Status.DOWN);
    }

    /** A session that goes on where {@code from} stood (a config reload), with the new rise and fall. */
    public static HealthCheckSession carried(HealthCheckSession from, int rise, int fall) {
        HealthCheckSession s = new HealthCheckSession(rise, fall, from.status);
        s.passes = from.passes;
        s.failures = from.failures;
        return s;
    }

    public Status status() {
        return status;
    }

    /** Passed checks in a row (counts while down, towards rise). */
    public int consecutivePasses() {
        return passes;
    }

    /** Failed checks in a row (counts while up, towards fall). */
    public int consecutiveFailures() {
        return failures;
    }

    public int rise() {
        return rise;
    }

    public int fall() {
        return fall;
    }

    /** One check passed. */
    public Transition passed() {
        failures = 0;
        passes++;
        switch (status) {
            case UNCHECKED:
                status = Status.UP;
                return Transition.CHANGED;
            case UP:
                return Transition.UNCHANGED;
            default:
                if (passes >= rise) {
                    status = Status.UP;
                    return Transition.CHANGED;
                }
                return Transition.CHANGE_PENDING;
        }
    }

    /** One check failed. */
    public Transition failed() {
        passes = 0;
        failures++;
        switch (status) {
            case UNCHECKED:
                status = Status.DOWN;
                return Transition.CHANGED;
            case DOWN:
                return Transition.UNCHANGED;
            default:
                if (failures >= fall) {
                    status = Status.DOWN;
                    return Transition.CHANGED;
                }
                return Transition.CHANGE_PENDING;
        }
    }
}
