package io.teraio.core.internal;

import java.util.List;

/** Closing several things at once: every one of them, even when one fails. */
public final class Closing {
    private Closing() {
    }

    /**
     * Closes each of {@code resources} in order, all of them even when one fails; the first
     * failure is thrown, with the later ones suppressed in it.
     */
    public static void all(List<? extends AutoCloseable> resources) {
        RuntimeException first = null;
        for (AutoCloseable r : resources) {
            try {
                r.close();
            } catch (Exception e) {
                RuntimeException failure = e instanceof RuntimeException re ? re : new IllegalStateException(e);
                if (first == null) {
                    first = failure;
                } else {
                    first.addSuppressed(failure);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    /**
     * After {@code failure}, closes each of {@code resources}, all of them; what their closing
     * throws is suppressed in {@code failure}, which is returned to be thrown.
     */
    public static <T extends Throwable> T after(T failure, List<? extends AutoCloseable> resources) {
        for (AutoCloseable r : resources) {
            try {
                r.close();
            } catch (Exception e) {
                failure.addSuppressed(e);
            }
        }
        return failure;
    }
}
