package io.teraio.core.trace;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonPointer;
import java.util.Arrays;

/**
 * Where the parts of a trace file start, for {@link TraceValidator}'s messages: the root
 * object, the three top-level arrays, and each iteration, tensor and op. Each place is one
 * {@code long} (line in the high half, column in the low half), so a 250k-op trace costs a
 * few megabytes. A pointer into an element ({@code /ops/3/uses/1}) is located at the start
 * of that element ({@code /ops/3}).
 */
final class SourceLocations implements TraceValidator.Locator {
    private static final long NONE = -1;

    private long root = NONE;
    private final Section iterations = new Section();
    private final Section tensors = new Section();
    private final Section ops = new Section();

    static long pack(JsonLocation location) {
        return ((long) location.getLineNr() << 32) | (location.getColumnNr() & 0xffff_ffffL);
    }

    static String format(long packed) {
        return packed == NONE ? null : (packed >>> 32) + ":" + (int) packed;
    }

    void root(long at) {
        root = at;
    }

    Section iterations() {
        return iterations;
    }

    Section tensors() {
        return tensors;
    }

    Section ops() {
        return ops;
    }

    @Override
    public String locate(String jsonPointer) {
        JsonPointer pointer;
        try {
            pointer = JsonPointer.compile(jsonPointer);
        } catch (IllegalArgumentException e) {
            return null;
        }
        if (pointer.matches()) {
            return format(root);
        }
        Section section = switch (pointer.getMatchingProperty()) {
            case "iterations" -> iterations;
            case "tensors" -> tensors;
            case "ops" -> ops;
            default -> null;
        };
        if (section == null) {
            return null;
        }
        int element = pointer.tail().matches() ? -1 : pointer.tail().getMatchingIndex();
        return format(element >= 0 && element < section.count ? section.elements[element] : section.start);
    }

    /** One top-level array: where it starts and where each of its elements starts. */
    static final class Section {
        private long start = NONE;
        private long[] elements = new long[64];
        private int count;

        void start(long at) {
            start = at;
        }

        void element(long at) {
            if (count == elements.length) {
                elements = Arrays.copyOf(elements, count * 2);
            }
            elements[count++] = at;
        }
    }
}
