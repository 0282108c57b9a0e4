package io.tandem.server.health;

/**
 * The outcome of one active check.
 *
 * @param detail what happened, for logs and /status: "HTTP 200", "connection refused", "no answer within 1s"
 */
public record ProbeResult(Outcome outcome, String detail) {

    /** The {@code result} label of {@code tandem_health_checks_total}. */
    public enum Outcome {
        PASS, FAIL, TIMEOUT;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public boolean passed() {
        return outcome == Outcome.PASS;
    }

    static ProbeResult pass(String detail) {
        return new ProbeResult(Outcome.PASS, detail);
    }

    static ProbeResult fail(String detail) {
        return new ProbeResult(Outcome.FAIL, detail);
    }

    static ProbeResult timeout(String detail) {
        return new ProbeResult(Outcome.TIMEOUT, detail);
    }
}
