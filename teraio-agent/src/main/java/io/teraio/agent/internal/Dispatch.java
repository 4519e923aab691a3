package io.teraio.agent.internal;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The one place the hooks woven into DJL ({@link Hooks}) call: static methods that hand each event to the
 * installed {@link Listener}, or drop it when none is. Public because the hooks run inside
 * DJL's classes; not API. Events carry DJL objects as {@code Object} so that this class names
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

        /**
         * A {@code JniUtils} op begins; returns a token for {@link #opExit}. {@code args} are
         * its arguments while the listener wants {@link Events#OPS_WITH_ARGUMENTS}, else null.
         */
        int opEnter(String name, Object[] args);

        /** The op that {@link #opEnter} returned {@code token} for has returned (or thrown). */
        void opExit(int token);

        /** {@code Trainer#step} returned: a training iteration ended. */
        void stepDone(Object trainer);

        /**
         * The events it wants now besides iteration ends and offloaded arrays' accesses, which
         * it always gets; read at {@link #install} and at {@link #eventsChanged()}.
         */
        default Events events() {
            return Events.OPS_WITH_ARGUMENTS;
        }
    }

    /** What a listener is told, from least to most; each level costs the training thread more. */
    public enum Events {
        /** Iteration ends and offloaded arrays' accesses only: an idle agent costs next to nothing. */
        STEPS,
        /** Also arrays created and closed, and ops by name, without their arguments ({@code null}). */
        OPS,
        /** Also each op's arguments, an {@code Object[]} built by the hook for the call. */
        OPS_WITH_ARGUMENTS
    }

    private static volatile Listener listener;
    /** The installed listener's {@link Events}, as an ordinal: read by every hook, so a plain int. */
    private static volatile int events = Events.STEPS.ordinal();
    private static final int OPS = Events.OPS.ordinal();
    private static final int OPS_WITH_ARGUMENTS = Events.OPS_WITH_ARGUMENTS.ordinal();
    private static final AtomicLong PARAMETERS = new AtomicLong();

    private Dispatch() {
    }

    /** Installs {@code l} (null: none); returns the one installed before. */
    public static synchronized Listener install(Listener l) {
        Listener before = listener;
        listener = l;
        events = l == null ? Events.STEPS.ordinal() : l.events().ordinal();
        return before;
    }

    /** A listener's {@link Listener#events()} changed: the installed listener's take effect now. */
    public static synchronized void eventsChanged() {
        Listener l = listener;
        events = l == null ? Events.STEPS.ordinal() : l.events().ordinal();
    }

    /** Whether the op hook must build the op's arguments for {@link #opEnter}. */
    public static boolean opArguments() {
        return events == OPS_WITH_ARGUMENTS;
    }

    public static void arrayCreated(Object array) {
        Listener l = listener;
        if (l != null && events >= OPS) {
            l.arrayCreated(array);
        }
    }

    public static void arrayClosing(Object array) {
        Listener l = listener;
        if (l != null && events >= OPS) {
            l.arrayClosing(array);
        }
    }

    public static void handleMissing(Object resource) {
        Listener l = listener;
        if (l != null) {
            l.handleMissing(resource);
        }
    }

    /** {@code NativeResource#getHandle} begins: only a missing handle leaves the fast path. */
    public static void access(Object resource, AtomicReference<?> handle) {
        if (handle.get() == null) {
            handleMissing(resource);
        }
    }

    /** {@code NativeResource#isReleased} returns {@code released}: an offloaded array is not released. */
    public static boolean released(boolean released, Object resource) {
        return released && !isOffloaded(resource);
    }

    public static boolean isOffloaded(Object resource) {
        Listener l = listener;
        return l != null && l.isOffloaded(resource);
    }

    /**
     * An op begins; {@code args} is null unless {@link #opArguments()}. Returns the token for
     * {@link #opExit}: negative when no listener took the op.
     */
    public static int opEnter(String name, Object[] args) {
        Listener l = listener;
        return l == null || events < OPS ? -1 : l.opEnter(name, args);
    }

    /** The op whose {@link #opEnter} returned {@code token} ended; a token the listener gave always reaches it. */
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
