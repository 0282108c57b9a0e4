package io.tandem.it;

/** A backend a test started (a stub in this JVM, a raw script, a separate process): where it listens. */
interface BackendServer {

    /** {@code host:port} as a pool's backend is written. */
    String address();
}
