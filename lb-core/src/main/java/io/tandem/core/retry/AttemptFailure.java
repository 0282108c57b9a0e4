package io.tandem.core.retry;

/** What ended an attempt to send a request to one backend. */
public enum AttemptFailure {
    /** The connection was refused, reset or unreachable while it was being opened. */
    CONNECT_FAILED,
    /** The connection was not accepted within the pool's {@code connect} timeout. */
    CONNECT_TIMEOUT,
    /**
     * The connection closed (or failed, or sent an unreadable head) before any
     * response byte: maybe before the request head was written, maybe after.
     */
    CLOSED_BEFORE_RESPONSE,
    /** The connection closed after part of the response went to the client. */
    CLOSED_MID_RESPONSE,
    /** The backend sent nothing within the pool's {@code response} timeout. */
    RESPONSE_TIMEOUT,
    /**
     * Part of the response went to the client, and the backend then sent
     * nothing more within the pool's {@code response} timeout.
     */
    STALLED_MID_RESPONSE
}
