package io.tandem.core.strategy;

/**
 * What a strategy may look at in the request it places. Implemented by the
 * proxy's per-connection state, so a pick allocates nothing.
 */
public interface RequestContext {

    /** A context with no request attributes, for strategies that need none. */
    RequestContext NONE = new RequestContext() {
        @Override
        public byte[] sourceAddress() {
            return null;
        }

        @Override
        public CharSequence header(CharSequence name) {
            return null;
        }

        @Override
        public CharSequence cookie(CharSequence name) {
            return null;
        }
    };

    /** The client's IP address bytes (4 or 16), or null when unknown. */
    byte[] sourceAddress();

    /** The value of a request header, or null. */
    CharSequence header(CharSequence name);

    /**
     * The value of a request cookie, or null. May be a window the context
     * reuses: valid until the next call, so copy it ({@code toString()}) to keep it.
     */
    CharSequence cookie(CharSequence name);
}
