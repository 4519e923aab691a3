package io.teraio.core.engine;

import io.teraio.core.TeraioException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** Waiting for the engine's futures from a caller's thread. */
final class Futures {
    private Futures() {
    }

    /**
     * Waits for the future; its failure is rethrown as it is (a StorageException stays one).
     *
     * @throws TeraioException naming {@code what} when interrupted
     */
    static void join(CompletableFuture<Long> future, String what) {
        try {
            future.get();
        } catch (ExecutionException ex) {
            Throwable cause = ex.getCause();
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new TeraioException(what + " failed: " + cause, cause);
        } catch (InterruptedException ex) {
            throw interrupted(what, ex);
        }
    }

    /**
     * Waits for the future, whether it completes normally, exceptionally or is cancelled (the
     * caller looks at what it changed).
     *
     * @throws TeraioException naming {@code what} when interrupted
     */
    static void awaitQuietly(CompletableFuture<Long> future, String what) {
        try {
            future.get();
        } catch (ExecutionException | CancellationException ignored) {
            // the caller looks at the state
        } catch (InterruptedException ex) {
            throw interrupted(what, ex);
        }
    }

    /** The failure inside {@link CompletionException} wrappers. */
    static Throwable unwrap(Throwable error) {
        Throwable t = error;
        while (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private static TeraioException interrupted(String what, InterruptedException ex) {
        Thread.currentThread().interrupt();
        return new TeraioException(what + " was interrupted", ex);
    }
}
