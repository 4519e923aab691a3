package io.teraio.agent.internal;

import static net.bytebuddy.matcher.ElementMatchers.hasParameters;
import static net.bytebuddy.matcher.ElementMatchers.isConstructor;
import static net.bytebuddy.matcher.ElementMatchers.isPublic;
import static net.bytebuddy.matcher.ElementMatchers.isStatic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.namedOneOf;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.returns;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;
import static net.bytebuddy.matcher.ElementMatchers.whereAny;

import java.lang.instrument.Instrumentation;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.asm.AsmVisitorWrapper;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;
import net.bytebuddy.matcher.ElementMatchers;
import net.bytebuddy.utility.JavaModule;

/**
 * Weaves the agent's advice into DJL 0.35.1 and its PyTorch engine:
 * <ul>
 * <li>creation: every {@code PtNDArray} constructor ({@link Created});</li>
 * <li>release: {@code PtNDArray#close} ({@link Closing});</li>
 * <li>access: {@code NativeResource#getHandle}, the single point every op reads a handle
 *     through ({@link Access}), and {@code NativeResource#isReleased} ({@link Released});</li>
 * <li>ops: the public static methods of {@code JniUtils} that take or return arrays, less
 *     the metadata reads ({@link Op});</li>
 * <li>iteration boundaries: {@code Trainer#step} ({@link Step});</li>
 * <li>parameter identity: every {@code Parameter} constructor ({@link ParameterId}) replaces
 *     the parameter's random id with one in creation order, so that DJL's
 *     {@code ParameterStore}, a hash map keyed by these ids, updates the parameters in the
 *     same order in every run of the job, and a plan made in one run fits the next.</li>
 * </ul>
 * The {@link Advice} objects are built here, once, before any class is transformed; the
 * advice names DJL types only by string. Classes loaded before {@link #install} (an agent
 * attached at run time, a test) are retransformed.
 */
public final class Hooks {
    static final String PT_NDARRAY = "ai.djl.pytorch.engine.PtNDArray";
    static final String NATIVE_RESOURCE = "ai.djl.util.NativeResource";
    static final String JNI_UTILS = "ai.djl.pytorch.jni.JniUtils";
    static final String TRAINER = "ai.djl.training.Trainer";
    static final String NDLIST = "ai.djl.ndarray.NDList";
    static final String PARAMETER = "ai.djl.nn.Parameter";

    /** JniUtils methods that read an array's metadata or manage the engine: not ops. */
    static final List<String> NOT_OPS = List.of("getShape", "getDType", "getDataType", "getDevice", "getLayout", "requiresGrad",
            "getGradientFunctionNames", "deleteNDArray", "isGradMode", "setGradMode");

    private Hooks() {
    }

    /** The JniUtils methods that count as ops. */
    static ElementMatcher<MethodDescription> opMethods() {
        ElementMatcher.Junction<TypeDescription> arrays = named(PT_NDARRAY).or(named(NDLIST))
                .or(ElementMatchers.<TypeDescription>named("[L" + PT_NDARRAY + ";"));
        return isPublic().and(isStatic()).and(not(namedOneOf(NOT_OPS.toArray(new String[0]))))
                .and(hasParameters(whereAny(ElementMatchers.hasType(arrays))).or(returns(arrays)));
    }

    /**
     * Installs every hook; events go to {@link Dispatch}.
     *
     * @param errors told about each class that could not be hooked
     * @return the transformer, to {@code removeTransformer} in tests
     */
    public static java.lang.instrument.ClassFileTransformer install(Instrumentation inst, java.util.function.Consumer<String> errors) {
        AsmVisitorWrapper created = Advice.to(Created.class).on(isConstructor());
        AsmVisitorWrapper closing = Advice.to(Closing.class).on(named("close").and(takesArguments(0)));
        AsmVisitorWrapper access = Advice.to(Access.class).on(named("getHandle").and(takesArguments(0)));
        AsmVisitorWrapper released = Advice.to(Released.class).on(named("isReleased").and(takesArguments(0)));
        AsmVisitorWrapper op = Advice.to(Op.class).on(opMethods());
        AsmVisitorWrapper step = Advice.to(Step.class).on(named("step").and(takesArguments(0)));
        AsmVisitorWrapper parameterId = Advice.to(ParameterId.class).on(isConstructor());
        return new AgentBuilder.Default()
                .disableClassFormatChanges()
                .with(AgentBuilder.RedefinitionStrategy.RETRANSFORMATION)
                // describe types from their class files: reflecting on a loaded class (Trainer, when the
                // hooks are attached after DJL started) would load the classes its methods name
                // (Parameter) in the middle of the transformation, where they are not transformed
                .with(AgentBuilder.DescriptionStrategy.Default.POOL_FIRST)
                .with(errors(errors))
                .ignore(not(ElementMatchers.nameStartsWith("ai.djl.")))
                .type(named(PT_NDARRAY)).transform((b, type, loader, module, domain) -> b.visit(created).visit(closing))
                .type(named(NATIVE_RESOURCE)).transform((b, type, loader, module, domain) -> b.visit(access)
                        .visit(released))
                .type(named(JNI_UTILS)).transform((b, type, loader, module, domain) -> b.visit(op))
                .type(named(TRAINER)).transform((b, type, loader, module, domain) -> b.visit(step))
                .type(named(PARAMETER)).transform((b, type, loader, module, domain) -> b.visit(parameterId))
                .installOn(inst);
    }

    /** Reports each transformation error (a hook not woven is a bug, not a silent no-op). */
    static AgentBuilder.Listener errors(java.util.function.Consumer<String> log) {
        return new AgentBuilder.Listener.Adapter() {
            @Override
            public void onError(String typeName, ClassLoader classLoader, JavaModule module, boolean loaded,
                                Throwable throwable) {
                log.accept("could not hook " + typeName + ": " + throwable);
            }
        };
    }

    /** {@code PtNDArray.<init>} exit. */
    static final class Created {
        @Advice.OnMethodExit
        static void exit(@Advice.This Object self) {
            Dispatch.arrayCreated(self);
        }
    }

    /** {@code PtNDArray#close} enter. */
    static final class Closing {
        @Advice.OnMethodEnter
        static void enter(@Advice.This Object self) {
            Dispatch.arrayClosing(self);
        }
    }

    /** {@code NativeResource#getHandle} enter: only a missing handle leaves the fast path. */
    static final class Access {
        @Advice.OnMethodEnter
        static void enter(@Advice.This Object self, @Advice.FieldValue("handle") AtomicReference<?> handle) {
            if (handle.get() == null) {
                Dispatch.handleMissing(self);
            }
        }
    }

    /** {@code NativeResource#isReleased} exit: an offloaded array is not released. */
    static final class Released {
        @Advice.OnMethodExit
        static void exit(@Advice.This Object self, @Advice.Return(readOnly = false) boolean released) {
            if (released && Dispatch.isOffloaded(self)) {
                released = false;
            }
        }
    }

    /**
     * A {@code JniUtils} op. The arguments array is built (and primitives boxed) where the
     * inlined advice reads {@code args}, so only while the listener wants them.
     */
    static final class Op {
        @Advice.OnMethodEnter
        static int enter(@Advice.Origin("#m") String name, @Advice.AllArguments Object[] args) {
            return Dispatch.opArguments() ? Dispatch.opEnter(name, args) : Dispatch.opEnter(name, null);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class)
        static void exit(@Advice.Enter int token) {
            Dispatch.opExit(token);
        }
    }

    /** {@code Parameter.<init>} exit: an id in creation order instead of a random one. */
    static final class ParameterId {
        @Advice.OnMethodExit
        static void exit(@Advice.FieldValue(value = "id", readOnly = false) String id) {
            id = Dispatch.parameterId();
        }
    }

    /** {@code Trainer#step} exit. */
    static final class Step {
        @Advice.OnMethodExit
        static void exit(@Advice.This Object self) {
            Dispatch.stepDone(self);
        }
    }

}
