package io.teraio.torch;

import java.nio.ByteBuffer;

/**
 * The bridge's native calls ({@code src/main/cpp/teraio_torch_jni.cpp}). Each returns a byte
 * count, an index or 0 on success and a negative code on failure, which {@link TorchErrors}
 * alone decodes. Tensor handles are DJL's ({@code PtNDArray.getHandle()}: a heap
 * {@code torch::Tensor}); storage handles are this library's weak references to a
 * {@code c10::StorageImpl}.
 */
final class TorchNative {
    /** The ABI this jar's classes expect of the library; the library reports its own. */
    static final int ABI_VERSION = 4;
    /** {@link #describe0} fills this many values. */
    static final int DESCRIBE_LENGTH = 9;
    static final int STORAGE_KEY = 0;
    static final int STORAGE_DATA = 1;
    static final int STORAGE_BYTES = 2;
    static final int HAS_ALLOCATOR = 3;
    static final int DEVICE_TYPE = 4;
    static final int TENSOR_DATA = 5;
    static final int STORAGE_OFFSET_BYTES = 6;
    static final int REQUIRES_GRAD = 7;
    static final int TENSOR_BYTES = 8;
    /** c10::DeviceType::CPU. */
    static final long DEVICE_CPU = 0;

    private TorchNative() {
    }

    static native int abiVersion0();

    /** Fills {@code out} (storage key, storage data address, storage bytes, has allocator, device type, tensor data address, storage offset in bytes, requires grad, tensor bytes). */
    static native long describe0(long tensor, long[] out);

    /** The tensor's version counter (bumped by every in-place change of it or its views). */
    static native long version0(long tensor);

    /** A new storage handle on the tensor's storage. */
    static native long open0(long tensor);

    static native void close0(long storage);

    /** A direct buffer over the storage's memory when it is 4 KiB-aligned (and at most 2 GiB), else null. */
    static native java.nio.ByteBuffer alignedView0(long storage);

    /** How many references hold the storage now (tensors, views, autograd's saved variables). */
    static native long references0(long storage);

    /** Fills {@code out} with the storage's data address and bytes now. */
    static native long state0(long storage, long[] out);

    /** Copies {@code length} bytes between the storage at {@code offset} and the direct buffer at {@code position}: out of the storage when {@code toBuffer}. */
    static native long copy0(long storage, long offset, ByteBuffer buffer, int position, int length, boolean toBuffer);

    /**
     * Frees the storage's memory in place; with {@code keep}, memory {@link #allocate0} gave it is
     * handed back instead (its address returned; 0 when the memory was freed).
     */
    static native long release0(long storage, boolean keep);

    /**
     * Gives a released storage {@code bytes} of page-aligned memory: {@code block} (one {@link #release0}
     * kept, at least {@code bytes} rounded up to 4 KiB) when not 0, else new (posix_memalign); freed by its
     * own deleter.
     */
    static native long allocate0(long storage, long bytes, long block);

    /** Frees a block {@link #release0} kept. */
    static native void freeBlock0(long block);

    /** Pins the storage's memory when it is teraio's block (its free waits); the block's address, 0 when not, or an error code. */
    static native long pinBlock0(long storage);

    /** Takes back a pin of {@link #pinBlock0}'s (0: none). */
    static native void unpinBlock0(long block);

    /** Pinned blocks whose storage let them go: freed at their last unpin (for tests). */
    static native long deferredFrees0();

    /** Registers a backward hook; returns its index, or a code with libtorch's words in {@code message[0]}. */
    static native long registerHook0(long tensor, long id, BackwardListener listener, String[] message);

    static native long removeHook0(long tensor, long index, String[] message);

    /** The address of a direct buffer (for the self-check), 0 if not direct. */
    static native long address0(ByteBuffer buffer);
}
