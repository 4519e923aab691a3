package io.teraio.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Core's API and SPI packages never hand out a type of an {@code internal} package: no public or
 * protected signature of a public type outside {@code io.teraio.core.internal} (superclass,
 * interfaces, fields, constructors, methods, record components, thrown types, type arguments)
 * names one. What is internal can then move or change without breaking a user.
 */
class InternalPackagesTest {
    private static final String INTERNAL = "io.teraio.core.internal";

    @Test
    void noApiSignatureNamesAnInternalType() throws Exception {
        List<Class<?>> api = new ArrayList<>();
        List<Class<?>> internal = new ArrayList<>();
        for (Class<?> c : coreClasses()) {
            (c.getPackageName().startsWith(INTERNAL) ? internal : api).add(c);
        }
        assertTrue(api.size() > 40, "found " + api.size() + " API types");
        assertTrue(internal.size() >= 10, "found " + internal.size() + " internal types");

        TreeSet<String> leaks = new TreeSet<>();
        for (Class<?> c : api) {
            if (visible(c)) {
                leaks.addAll(leaks(c));
            }
        }
        assertEquals(new TreeSet<>(), leaks, "API signatures that name internal types");
    }

    @Test
    void theCheckSeesALeak() {
        // a public method of a public API type returning an internal type is reported
        assertEquals(List.of("io.teraio.core.InternalPackagesTest$Leaky.block(): "
                + "io.teraio.core.internal.storage.NativeBlock"), leaks(Leaky.class));
    }

    /** Stands for an API type that hands out an internal one. */
    public static final class Leaky {
        public io.teraio.core.internal.storage.NativeBlock block() {
            return null;
        }

        @SuppressWarnings("unused")
        private io.teraio.core.internal.storage.NativeBlock hidden() {
            return null;
        }
    }

    private static boolean visible(Class<?> c) {
        for (Class<?> k = c; k != null; k = k.getDeclaringClass()) {
            if (!Modifier.isPublic(k.getModifiers()) && !Modifier.isProtected(k.getModifiers())) {
                return false;
            }
        }
        return true;
    }

    private static List<String> leaks(Class<?> c) {
        List<String> found = new ArrayList<>();
        String name = c.getName();
        check(found, name + " extends", c.getGenericSuperclass());
        for (Type t : c.getGenericInterfaces()) {
            check(found, name + " implements", t);
        }
        for (Field f : c.getDeclaredFields()) {
            if (exposed(f.getModifiers())) {
                check(found, name + "." + f.getName(), f.getGenericType());
            }
        }
        List<Executable> members = new ArrayList<>(List.of(c.getDeclaredMethods()));
        for (Constructor<?> k : c.getDeclaredConstructors()) {
            members.add(k);
        }
        for (Executable m : members) {
            if (!exposed(m.getModifiers()) || m.isSynthetic()) {
                continue;
            }
            String where = name + "." + (m instanceof Method ? m.getName() : "<init>") + "()";
            if (m instanceof Method method) {
                check(found, where, method.getGenericReturnType());
            }
            for (Type t : m.getGenericParameterTypes()) {
                check(found, where, t);
            }
            for (Type t : m.getGenericExceptionTypes()) {
                check(found, where, t);
            }
        }
        if (c.isRecord()) {
            for (RecordComponent r : c.getRecordComponents()) {
                check(found, name + "." + r.getName(), r.getGenericType());
            }
        }
        return found;
    }

    private static boolean exposed(int modifiers) {
        return Modifier.isPublic(modifiers) || Modifier.isProtected(modifiers);
    }

    private static void check(List<String> found, String where, Type type) {
        if (type == null) {
            return;
        }
        if (type instanceof Class<?> c) {
            while (c.isArray()) {
                c = c.getComponentType();
            }
            if (c.getPackageName().startsWith(INTERNAL)) {
                found.add(where + ": " + c.getName());
            }
        } else if (type instanceof ParameterizedType p) {
            check(found, where, p.getRawType());
            for (Type a : p.getActualTypeArguments()) {
                check(found, where, a);
            }
        } else if (type instanceof GenericArrayType g) {
            check(found, where, g.getGenericComponentType());
        } else if (type instanceof WildcardType w) {
            for (Type b : w.getUpperBounds()) {
                check(found, where, b);
            }
            for (Type b : w.getLowerBounds()) {
                check(found, where, b);
            }
        } else if (type instanceof TypeVariable<?> v) {
            for (Type b : v.getBounds()) {
                check(found, where, b);
            }
        }
    }

    /** Every class of core's main code, from the directory or jar {@link TeraioException} was loaded from. */
    private static List<Class<?>> coreClasses() throws IOException, URISyntaxException, ClassNotFoundException {
        Path root = Path.of(TeraioException.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        assertTrue(Files.isDirectory(root), "core's classes are a directory in this build: " + root);
        List<Class<?>> classes = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : (Iterable<Path>) files.filter(f -> f.toString().endsWith(".class"))::iterator) {
                String rel = root.relativize(p).toString();
                if (rel.endsWith("package-info.class")) {
                    continue;
                }
                String name = rel.substring(0, rel.length() - ".class".length()).replace('/', '.');
                classes.add(Class.forName(name, false, InternalPackagesTest.class.getClassLoader()));
            }
        }
        return classes;
    }
}
