package io.teraio.agent.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;

/**
 * The shaded agent jar goes onto the training job's class path: every class in it is teraio's
 * or relocated under {@code io.teraio.agent.shaded}, versioned ({@code META-INF/versions})
 * entries included, so that nothing it bundles can shadow or clash with the job's own
 * libraries.
 */
class AgentJarIT {
    @Test
    void everyClassInTheAgentJarIsTeraiosOrRelocated() throws Exception {
        List<String> foreign = new ArrayList<>();
        int classes = 0;
        try (JarFile jar = new JarFile(ChildJvm.agentJar().toFile())) {
            for (JarEntry e : (Iterable<JarEntry>) jar.stream()::iterator) {
                String name = e.getName();
                if (e.isDirectory()) {
                    continue;
                }
                if (name.endsWith(".class")) {
                    classes++;
                    if (!name.startsWith("io/teraio/")) {
                        foreign.add(name);
                    }
                } else if (!name.startsWith("META-INF/") && !name.startsWith("io/teraio/")
                        && !name.startsWith("native/")) {
                    foreign.add(name);
                }
            }
            assertTrue(classes > 1000, "the jar holds " + classes + " classes: not the shaded agent jar?");
            assertEquals(List.of(), foreign, "entries outside io/teraio, META-INF and native/");
            assertNull(jar.getManifest().getMainAttributes().getValue("Multi-Release"),
                    "a multi-release jar would serve versioned classes the shade plugin does not relocate");
            assertEquals("io.teraio.agent.TeraioAgent",
                    jar.getManifest().getMainAttributes().getValue("Premain-Class"));
        }
    }
}
