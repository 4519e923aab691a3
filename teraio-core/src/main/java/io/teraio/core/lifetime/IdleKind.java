package io.teraio.core.lifetime;

/** Where an idle period of a tensor lies relative to its uses (see {@link LifetimeModel}). */
public enum IdleKind {
    /** From the start of its live range to before its first use; or all of its live range when it has no use. */
    BEFORE_FIRST_USE,
    /** Between two consecutive uses. */
    BETWEEN_USES,
    /** From after its last use through the end of its live range (its free, or the window's last op). */
    AFTER_LAST_USE,
    /** From after its last use, round the iteration boundary, to before its first use in the next iteration. */
    ACROSS_BOUNDARY
}
