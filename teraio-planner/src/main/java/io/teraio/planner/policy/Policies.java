package io.teraio.planner.policy;

import io.teraio.core.TeraioException;
import io.teraio.planner.Policy;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** The policies users pick by name ({@code --policy}). */
public final class Policies {
    /** The policy used when none is named. */
    public static final String DEFAULT = TeraioPolicy.NAME;

    private Policies() {
    }

    /** One of each policy, in the order the docs list them: none, zero-infinity, flashneuron, teraio-paper, g10, teraio. */
    public static List<Policy> all() {
        return List.of(new NonePolicy(), new ZeroInfinityPolicy(), new FlashNeuronPolicy(), new TeraioPaperPolicy(),
                new G10Policy(), new TeraioPolicy());
    }

    /** The names of {@link #all()}, in that order. */
    public static List<String> names() {
        return all().stream().map(Policy::name).collect(Collectors.toList());
    }

    /**
     * The policy called {@code name} (case does not matter).
     *
     * @throws TeraioException if there is none, listing the valid names
     */
    public static Policy byName(String name) {
        String wanted = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        for (Policy policy : all()) {
            if (policy.name().equals(wanted)) {
                return policy;
            }
        }
        throw new TeraioException("unknown policy '" + name + "'; valid policies: " + String.join(", ", names()));
    }
}
