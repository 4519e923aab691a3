package io.teraio.agent.internal;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The one place the advice woven into DJL calls: static methods that hand each event to the
 * installed {@link Listener}, or drop it when none is. Public because the advice runs inside
 * DJL's classes; not API. Events carry DJL objects as {@code Object} so that the advice names
 * no DJL type.
 */
public final class Dispatch {
    /** Receives the hooks' events. Implementations must never throw into training code. */
    public interface Listener {
        /** A {@code PtNDArray} constructor returned. */
        void arrayCreated(Object array);

        /** {@code PtNDArray#close} is about to run. */
        void arrayClosing(Object array);

        /** {@code NativeResource#getHandle} found no handle: restore the array if it was offloaded. */
        void handleMissing(Object resource);

        /** Whether {@code resource} is offloaded (so {@code isReleased} must say false). */
        boolean isOffloaded(Object resource);

        /** A {@code JniUtils} op begins; returns a token for {@link #opExit}. */
        int opEnter(String name, Object[] args);

        /** The op that {@link #opEnter} returned {@code token} for has returned (or thrown). */
        void opExit(int token);

        /** {@code Trainer#step} returned: a training iteration ended. */
        void stepDone(Object trainer);
    }

    private static volatile Listener listener;
    private static final AtomicLong PARAMETERS = new AtomicLong();

    private Dispatch() {
    }

    /** Installs {@code l} (null: none); returns the one installed before. */
    public static Listener install(Listener l) {
        Listener before = listener;
        listener = l;
        return before;
    }

    public static void arrayCreated(Object array) {
        Listener l = listener;
        if (l != null) {
            l.arrayCreated(array);
        }
    }

    public static void arrayClosing(Object array) {
        Listener l = listener;
        if (l != null) {
            l.arrayClosing(array);
        }
    }

    public static void handleMissing(Object resource) {
        Listener l = listener;
        if (l != null) {
            l.handleMissing(resource);
        }
    }

    public static boolean isOffloaded(Object resource) {
        Listener l = listener;
        return l != null && l.isOffloaded(resource);
    }

    public static int opEnter(String name, Object[] args) {
        Listener l = listener;
        return l == null ? -1 : l.opEnter(name, args);
    }

    public static void opExit(int token) {
        Listener l = listener;
        if (l != null && token >= 0) {
            l.opExit(token);
        }
    }

    /**
     * The id of the next DJL {@code Parameter} created in this JVM: {@code teraio-parameter-N}
     * in creation order (unique, like DJL's random ids, and the same in every run of a job).
     */
    public static String parameterId() {
        return "teraio-parameter-" + PARAMETERS.incrementAndGet();
    }

    public static void stepDone(Object trainer) {
        Listener l = listener;
        if (l != null) {
            l.stepDone(trainer);
        }
    }
}
