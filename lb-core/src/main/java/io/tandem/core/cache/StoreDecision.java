package io.tandem.core.cache;

/**
 * Whether a response is stored and for how long: {@code freshness} when it
 * is, else {@code reason} (a short phrase for logs and tests).
 *
 * @param esi the response asks a surrogate to process ESI ({@code Surrogate-Control: content="ESI/1.0"})
 */
public record StoreDecision(Freshness freshness, String reason, boolean esi) {

    static StoreDecision no(String reason, boolean esi) {
        return new StoreDecision(null, reason, esi);
    }

    public boolean stores() {
        return freshness != null;
    }
}
