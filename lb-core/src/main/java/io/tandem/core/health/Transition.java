package io.tandem.core.health;

/** What one check result did to a backend's health (Envoy's vocabulary). */
public enum Transition {
    /** The state stays and no change is under way. */
    UNCHANGED,
    /** The result counts towards a change that needs more results in a row. */
    CHANGE_PENDING,
    /** The state changed with this result. */
    CHANGED
}
