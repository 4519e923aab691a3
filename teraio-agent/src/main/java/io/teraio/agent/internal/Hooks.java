package io.teraio.agent.internal;

import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.lang.instrument.UnmodifiableClassException;
import java.security.ProtectionDomain;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.FieldInsnNode;
import org.objectweb.asm.tree.FieldNode;
import org.objectweb.asm.tree.FrameNode;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.InsnNode;
import org.objectweb.asm.tree.IntInsnNode;
import org.objectweb.asm.tree.JumpInsnNode;
import org.objectweb.asm.tree.LabelNode;
import org.objectweb.asm.tree.LdcInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TryCatchBlockNode;
import org.objectweb.asm.tree.TypeInsnNode;
import org.objectweb.asm.tree.VarInsnNode;

/**
 * Weaves the agent's hooks into DJL 0.35.1 and its PyTorch engine, as calls to {@link Dispatch}:
 * <ul>
 * <li>creation: every {@code PtNDArray} constructor, at its returns ({@link Dispatch#arrayCreated});</li>
 * <li>release: {@code PtNDArray#close}, on entry ({@link Dispatch#arrayClosing});</li>
 * <li>access: {@code NativeResource#getHandle}, the single point every op reads a handle
 *     through, on entry ({@link Dispatch#access}), and {@code NativeResource#isReleased} at its
 *     returns ({@link Dispatch#released});</li>
 * <li>ops: the public static methods of {@code JniUtils} that take or return arrays, less
 *     the metadata reads: {@link Dispatch#opEnter} on entry, {@link Dispatch#opExit} at every
 *     return and, through a handler around the whole body, when it throws;</li>
 * <li>iteration boundaries: {@code Trainer#step}, at its returns ({@link Dispatch#stepDone});</li>
 * <li>parameter identity: every {@code Parameter} constructor, at its returns, replaces the
 *     parameter's random id with one in creation order ({@link Dispatch#parameterId}), so that
 *     DJL's {@code ParameterStore}, a hash map keyed by these ids, updates the parameters in
 *     the same order in every run of the job, and a plan made in one run fits the next.</li>
 * </ul>
 * The weaving is plain ASM over the class file (its tree API; frames kept, maximums
 * recomputed), which loads about 70 classes into the training JVM where a general weaver
 * loaded over a thousand: what the agent loads stays in the process the user measures. It
 * names DJL types only as strings and never loads a class while transforming one. Classes
 * loaded before {@link #install} (an agent attached at run time, a test) are retransformed.
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

    private static final String DISPATCH = Type.getInternalName(Dispatch.class);
    private static final String OBJECT = "java/lang/Object";
    /** The types, as descriptors, that make a JniUtils method an op when it takes or returns one. */
    private static final List<String> ARRAY_TYPES = List.of(descriptor(PT_NDARRAY), descriptor(NDLIST),
            "[" + descriptor(PT_NDARRAY));

    /** What each hooked class gets, by internal name. */
    private static final Map<String, Weaver> WEAVERS = Map.of(
            internal(PT_NDARRAY), Hooks::weaveArray,
            internal(NATIVE_RESOURCE), Hooks::weaveResource,
            internal(JNI_UTILS), Hooks::weaveOps,
            internal(TRAINER), Hooks::weaveTrainer,
            internal(PARAMETER), Hooks::weaveParameter);

    private Hooks() {
    }

    /** Rewrites one class in place; throws when a hook it must place is not there. */
    private interface Weaver {
        void weave(ClassNode type);
    }

    /**
     * Installs every hook; events go to {@link Dispatch}.
     *
     * @param errors told about each class that could not be hooked
     * @return the transformer, to {@code removeTransformer} in tests
     */
    public static ClassFileTransformer install(Instrumentation inst, Consumer<String> errors) {
        ClassFileTransformer transformer = new ClassFileTransformer() {
            @Override
            public byte[] transform(ClassLoader loader, String className, Class<?> redefined, ProtectionDomain domain,
                                    byte[] classFile) {
                Weaver weaver = className == null ? null : WEAVERS.get(className);
                if (weaver == null) {
                    return null;
                }
                try {
                    return weave(classFile, weaver);
                } catch (RuntimeException | LinkageError e) {
                    errors.accept("could not hook " + className.replace('/', '.') + ": " + e);
                    return null;
                }
            }
        };
        inst.addTransformer(transformer, true);
        List<Class<?>> loaded = new ArrayList<>();
        for (Class<?> c : inst.getAllLoadedClasses()) {
            if (WEAVERS.containsKey(internal(c.getName())) && inst.isModifiableClass(c)) {
                loaded.add(c);
            }
        }
        if (!loaded.isEmpty()) {
            try {
                inst.retransformClasses(loaded.toArray(new Class<?>[0]));
            } catch (UnmodifiableClassException | RuntimeException | LinkageError e) {
                errors.accept("could not hook the DJL classes loaded before the agent " + loaded + ": " + e);
            }
        }
        return transformer;
    }

    /** {@code classFile} with {@code weaver}'s hooks. */
    static byte[] weave(byte[] classFile, Weaver weaver) {
        ClassNode type = new ClassNode();
        // expanded frames: the op handler's frame and the frames it extends are written whole
        new ClassReader(classFile).accept(type, ClassReader.EXPAND_FRAMES);
        weaver.weave(type);
        // maximums only: computing frames would load classes (common super types) mid-transformation
        ClassWriter out = new ClassWriter(ClassWriter.COMPUTE_MAXS);
        type.accept(out);
        return out.toByteArray();
    }

    private static void weaveArray(ClassNode type) {
        for (MethodNode m : methods(type, "<init>", null)) {
            beforeReturns(m, self(), call("arrayCreated", "(Ljava/lang/Object;)V"));
        }
        for (MethodNode m : methods(type, "close", "()V")) {
            m.instructions.insert(list(self(), call("arrayClosing", "(Ljava/lang/Object;)V")));
        }
    }

    private static void weaveResource(ClassNode type) {
        FieldNode handle = field(type, "handle", "Ljava/util/concurrent/atomic/AtomicReference;");
        for (MethodNode m : methods(type, "getHandle", null)) {
            if (Type.getArgumentTypes(m.desc).length == 0) {
                m.instructions.insert(list(self(), self(), new FieldInsnNode(Opcodes.GETFIELD, type.name, handle.name,
                        handle.desc), call("access", "(Ljava/lang/Object;Ljava/util/concurrent/atomic/AtomicReference;)V")));
            }
        }
        for (MethodNode m : methods(type, "isReleased", "()Z")) {
            beforeReturns(m, self(), call("released", "(ZLjava/lang/Object;)Z"));
        }
    }

    private static void weaveTrainer(ClassNode type) {
        for (MethodNode m : methods(type, "step", "()V")) {
            beforeReturns(m, self(), call("stepDone", "(Ljava/lang/Object;)V"));
        }
    }

    private static void weaveParameter(ClassNode type) {
        FieldNode id = field(type, "id", "Ljava/lang/String;");
        for (MethodNode m : methods(type, "<init>", null)) {
            beforeReturns(m, self(), call("parameterId", "()Ljava/lang/String;"),
                    new FieldInsnNode(Opcodes.PUTFIELD, type.name, id.name, id.desc));
        }
    }

    private static void weaveOps(ClassNode type) {
        int woven = 0;
        for (MethodNode m : type.methods) {
            if (isOp(m)) {
                weaveOp(m);
                woven++;
            }
        }
        if (woven == 0) {
            throw new IllegalStateException("no public static method takes or returns an array");
        }
    }

    /** Whether a JniUtils method is an op: public, static, with a body, not a metadata read, and an array in or out. */
    static boolean isOp(MethodNode m) {
        if ((m.access & (Opcodes.ACC_PUBLIC | Opcodes.ACC_STATIC)) != (Opcodes.ACC_PUBLIC | Opcodes.ACC_STATIC)
                || (m.access & (Opcodes.ACC_NATIVE | Opcodes.ACC_ABSTRACT)) != 0 || NOT_OPS.contains(m.name)) {
            return false;
        }
        if (ARRAY_TYPES.contains(Type.getReturnType(m.desc).getDescriptor())) {
            return true;
        }
        for (Type t : Type.getArgumentTypes(m.desc)) {
            if (ARRAY_TYPES.contains(t.getDescriptor())) {
                return true;
            }
        }
        return false;
    }

    /**
     * {@code int token = Dispatch.opEnter(name, Dispatch.opArguments() ? args : null); try { body }
     * finally { Dispatch.opExit(token); }}: the token in a new local after the method's own, the
     * arguments boxed into an array only while the listener wants them.
     */
    private static void weaveOp(MethodNode m) {
        Type[] args = Type.getArgumentTypes(m.desc);
        List<Object> argFrame = new ArrayList<>();
        for (Type t : args) {
            argFrame.add(frameType(t));
        }
        int token = m.maxLocals;
        // every frame of the body must carry the token: the handler's frame requires it everywhere it covers
        for (AbstractInsnNode n : m.instructions) {
            if (n instanceof FrameNode) {
                withToken((FrameNode) n, token);
            }
        }
        LabelNode noArguments = new LabelNode();
        LabelNode enter = new LabelNode();
        LabelNode start = new LabelNode();
        InsnList prologue = list(new LdcInsnNode(m.name), call("opArguments", "()Z"),
                new JumpInsnNode(Opcodes.IFEQ, noArguments));
        prologue.add(push(args.length));
        prologue.add(new TypeInsnNode(Opcodes.ANEWARRAY, OBJECT));
        for (int i = 0, slot = 0; i < args.length; slot += args[i].getSize(), i++) {
            prologue.add(new InsnNode(Opcodes.DUP));
            prologue.add(push(i));
            prologue.add(new VarInsnNode(args[i].getOpcode(Opcodes.ILOAD), slot));
            box(prologue, args[i]);
            prologue.add(new InsnNode(Opcodes.AASTORE));
        }
        prologue.add(new JumpInsnNode(Opcodes.GOTO, enter));
        prologue.add(noArguments);
        prologue.add(new FrameNode(Opcodes.F_NEW, argFrame.size(), argFrame.toArray(), 1, new Object[] {"java/lang/String"}));
        prologue.add(new InsnNode(Opcodes.ACONST_NULL));
        prologue.add(enter);
        prologue.add(new FrameNode(Opcodes.F_NEW, argFrame.size(), argFrame.toArray(), 2,
                new Object[] {"java/lang/String", "[Ljava/lang/Object;"}));
        prologue.add(call("opEnter", "(Ljava/lang/String;[Ljava/lang/Object;)I"));
        prologue.add(new VarInsnNode(Opcodes.ISTORE, token));
        prologue.add(start);
        beforeReturns(m, new VarInsnNode(Opcodes.ILOAD, token), call("opExit", "(I)V"));
        m.instructions.insert(prologue);

        LabelNode end = new LabelNode();
        LabelNode handler = new LabelNode();
        m.instructions.add(end);
        m.instructions.add(handler);
        FrameNode thrown = new FrameNode(Opcodes.F_NEW, argFrame.size(), argFrame.toArray(), 1,
                new Object[] {"java/lang/Throwable"});
        withToken(thrown, token);
        m.instructions.add(thrown);
        m.instructions.add(new VarInsnNode(Opcodes.ILOAD, token));
        m.instructions.add(call("opExit", "(I)V"));
        m.instructions.add(new InsnNode(Opcodes.ATHROW));
        // last in the table: every handler of the body's own comes first
        m.tryCatchBlocks.add(new TryCatchBlockNode(start, end, handler, null));
        m.maxLocals = token + 1;
    }

    /** Pads {@code frame}'s locals with TOP up to slot {@code token}, which holds an int. */
    private static void withToken(FrameNode frame, int token) {
        List<Object> locals = frame.local == null ? new ArrayList<>() : new ArrayList<>(frame.local);
        int slots = 0;
        for (Object l : locals) {
            slots += l == Opcodes.LONG || l == Opcodes.DOUBLE ? 2 : 1;
        }
        for (; slots < token; slots++) {
            locals.add(Opcodes.TOP);
        }
        locals.add(Opcodes.INTEGER);
        frame.local = locals;
    }

    private static Object frameType(Type t) {
        switch (t.getSort()) {
            case Type.BOOLEAN:
            case Type.BYTE:
            case Type.CHAR:
            case Type.SHORT:
            case Type.INT:
                return Opcodes.INTEGER;
            case Type.FLOAT:
                return Opcodes.FLOAT;
            case Type.LONG:
                return Opcodes.LONG;
            case Type.DOUBLE:
                return Opcodes.DOUBLE;
            default:
                return t.getInternalName();
        }
    }

    /** Boxes the primitive on top of the stack, as {@code valueOf} does. */
    private static void box(InsnList code, Type t) {
        if (t.getSort() == Type.OBJECT || t.getSort() == Type.ARRAY) {
            return;
        }
        String boxed;
        switch (t.getSort()) {
            case Type.BOOLEAN: boxed = "java/lang/Boolean"; break;
            case Type.BYTE: boxed = "java/lang/Byte"; break;
            case Type.CHAR: boxed = "java/lang/Character"; break;
            case Type.SHORT: boxed = "java/lang/Short"; break;
            case Type.INT: boxed = "java/lang/Integer"; break;
            case Type.FLOAT: boxed = "java/lang/Float"; break;
            case Type.LONG: boxed = "java/lang/Long"; break;
            default: boxed = "java/lang/Double"; break;
        }
        code.add(new MethodInsnNode(Opcodes.INVOKESTATIC, boxed, "valueOf", "(" + t.getDescriptor() + ")L" + boxed + ";", false));
    }

    /** Inserts {@code code} before every return instruction of {@code m}. */
    private static void beforeReturns(MethodNode m, AbstractInsnNode... code) {
        for (AbstractInsnNode n : m.instructions.toArray()) {
            int op = n.getOpcode();
            if (op >= Opcodes.IRETURN && op <= Opcodes.RETURN) {
                m.instructions.insertBefore(n, list(copies(code)));
            }
        }
    }

    private static AbstractInsnNode[] copies(AbstractInsnNode[] code) {
        AbstractInsnNode[] out = new AbstractInsnNode[code.length];
        for (int i = 0; i < code.length; i++) {
            out[i] = code[i].clone(Map.of());
        }
        return out;
    }

    /** The methods named {@code name} (of {@code desc}, or any when null); at least one, else the hook is missing. */
    private static List<MethodNode> methods(ClassNode type, String name, String desc) {
        List<MethodNode> found = new ArrayList<>();
        for (MethodNode m : type.methods) {
            if (m.name.equals(name) && (desc == null || m.desc.equals(desc)) && (m.access & Opcodes.ACC_ABSTRACT) == 0) {
                found.add(m);
            }
        }
        if (found.isEmpty()) {
            throw new IllegalStateException("no method " + name + (desc == null ? "" : desc) + " to hook");
        }
        return found;
    }

    private static FieldNode field(ClassNode type, String name, String desc) {
        for (FieldNode f : type.fields) {
            if (f.name.equals(name) && f.desc.equals(desc)) {
                return f;
            }
        }
        throw new IllegalStateException("no field " + name + " " + desc);
    }

    private static InsnList list(AbstractInsnNode... code) {
        InsnList out = new InsnList();
        for (AbstractInsnNode n : code) {
            out.add(n);
        }
        return out;
    }

    private static VarInsnNode self() {
        return new VarInsnNode(Opcodes.ALOAD, 0);
    }

    private static MethodInsnNode call(String method, String desc) {
        return new MethodInsnNode(Opcodes.INVOKESTATIC, DISPATCH, method, desc, false);
    }

    private static AbstractInsnNode push(int value) {
        return value <= 5 ? new InsnNode(Opcodes.ICONST_0 + value)
                : new IntInsnNode(value <= Byte.MAX_VALUE ? Opcodes.BIPUSH : Opcodes.SIPUSH, value);
    }

    private static String internal(String className) {
        return className.replace('.', '/');
    }

    private static String descriptor(String className) {
        return "L" + internal(className) + ";";
    }
}
