package io.teraio.torch;

/** The one place where the library's negative codes become exceptions. */
final class TorchErrors {
    static final int STORAGE_GONE = -1;
    static final int NOT_CPU = -2;
    static final int NO_ALLOCATOR = -3;
    static final int NOT_ALLOCATED = -4;
    static final int RANGE = -5;
    static final int NOT_DIRECT = -6;
    static final int NO_GRAD = -7;
    static final int LIBTORCH = -8;
    static final int NULL = -9;
    static final int ALLOCATED = -10;

    private TorchErrors() {
    }

    /** What a code means. */
    static String meaning(long code) {
        return switch (code < Integer.MIN_VALUE ? 0 : (int) code) {
            case STORAGE_GONE -> "the storage was freed (no tensor holds it any more)";
            case NOT_CPU -> "the storage is not in CPU memory (only CPU storages are supported yet)";
            case NO_ALLOCATOR -> "the storage has no allocator (a tensor made from a Java buffer,"
                    + " NDManager.create): not evictable";
            case NOT_ALLOCATED -> "the storage has no memory now (evicted)";
            case RANGE -> "the range is outside the storage or the buffer";
            case NOT_DIRECT -> "the buffer is not a direct ByteBuffer";
            case NO_GRAD -> "the tensor does not require a gradient (no backward node will reach it)";
            case LIBTORCH -> "libtorch threw";
            case NULL -> "a null handle";
            case ALLOCATED -> "the storage already has memory";
            default -> "unknown code";
        };
    }

    /** {@code result} when it is not negative, else a {@link TorchBridgeException} naming {@code operation} and the code. */
    static long check(long result, String operation) {
        if (result >= 0) {
            return result;
        }
        throw new TorchBridgeException(operation + ": " + meaning(result) + " (code " + result + ")");
    }

    /** As {@link #check(long, String)}, with the words built only when it fails. */
    static long check(long result, java.util.function.Supplier<String> operation) {
        return result >= 0 ? result : check(result, operation.get());
    }

    /** As {@link #check}, adding libtorch's own words when it gave some; the words built only when it fails. */
    static long check(long result, java.util.function.Supplier<String> operation, String[] message) {
        if (result >= 0) {
            return result;
        }
        return check(result, operation.get(), message);
    }

    /** As {@link #check}, adding libtorch's own words when it gave some. */
    static long check(long result, String operation, String[] message) {
        if (result >= 0) {
            return result;
        }
        String detail = message[0] == null ? "" : ": " + message[0].lines().findFirst().orElse("");
        throw new TorchBridgeException(operation + ": " + meaning(result) + " (code " + result + ")" + detail);
    }
}
