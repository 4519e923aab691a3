// teraio's PyTorch bridge: frees and restores a tensor's storage in place while autograd and
// DJL still hold the tensor, and registers gradient hooks that call back into Java.
//
// A DJL PtNDArray's handle is a pointer to a heap at::Tensor (torch::Tensor). Everything here
// goes through the header-only parts of c10::StorageImpl (compiled from libtorch-dev 2.6.0
// headers against DJL's 2.7.1 binaries; the Java side's self-check verifies the layout at
// load) and the exported at::TensorBase::_register_hook (through the header's register_hook template).
//
// Rules (docs/STYLE): no C++ exception crosses the JNI frame, nothing exits or prints; every
// call returns a byte count, an index or a negative code from the list below, which
// io.teraio.torch.TorchErrors turns into exceptions.

#include <jni.h>

#include <ATen/core/Tensor.h>
#include <c10/core/Storage.h>
#include <c10/core/StorageImpl.h>

#include <cstdlib>
#include <cstring>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <string>

namespace {

constexpr jint ABI_VERSION = 4;
// What allocate0 aligns memory to: O_DIRECT's (and a page's) 4 KiB.
constexpr size_t ALIGNMENT = 4096;

// Codes, kept in step with TorchErrors.java.
constexpr jlong E_STORAGE_GONE = -1;     // every tensor of the storage was freed
constexpr jlong E_NOT_CPU = -2;          // the storage is not in CPU memory
constexpr jlong E_NO_ALLOCATOR = -3;     // the storage has no allocator (made from a Java buffer)
constexpr jlong E_NOT_ALLOCATED = -4;    // the storage has no memory now (evicted)
constexpr jlong E_RANGE = -5;            // offset/length outside the storage or the Java buffer
constexpr jlong E_NOT_DIRECT = -6;       // the Java buffer is not direct
constexpr jlong E_NO_GRAD = -7;          // the tensor does not require a gradient
constexpr jlong E_LIBTORCH = -8;         // libtorch threw; the message is in the out parameter
constexpr jlong E_NULL = -9;             // a null handle
constexpr jlong E_ALLOCATED = -10;       // the storage already has memory

// An open storage: a weak reference, so the handle neither keeps the storage's memory alive
// nor lets its address be reused while the handle is open (the address is the storage key).
struct StorageRef {
    c10::weak_intrusive_ptr<c10::StorageImpl> weak;
    explicit StorageRef(c10::weak_intrusive_ptr<c10::StorageImpl> w) : weak(std::move(w)) {}
};

// teraio's blocks that I/O may be reading or writing through a view (pinBlock0): a block
// whose storage lets it go meanwhile (PyTorch freeing its last tensor, release0) is freed only
// when the last pin goes, so that no read lands in freed memory.
struct Pins {
    std::mutex mutex;
    std::unordered_map<void*, std::pair<long, bool>> blocks; // block -> (pins, free when unpinned)
};

Pins& pins() {
    static Pins* p = new Pins(); // never destroyed: deleters may run during the process's exit
    return *p;
}

// Whether I/O holds a pin on the block (it is not to be given to another storage).
bool pinned(void* block) {
    Pins& p = pins();
    std::lock_guard<std::mutex> lock(p.mutex);
    return p.blocks.count(block) != 0;
}

// The deleter of the memory allocate0 gives a storage: free's, under a name of its own, so that
// release0 can tell teraio's page-aligned blocks from the allocator's memory; deferred while
// the block is pinned.
void freeBlock(void* block) {
    {
        Pins& p = pins();
        std::lock_guard<std::mutex> lock(p.mutex);
        auto it = p.blocks.find(block);
        if (it != p.blocks.end()) {
            it->second.second = true;
            return;
        }
    }
    std::free(block);
}

StorageRef* ref(jlong h) {
    return reinterpret_cast<StorageRef*>(h);
}

at::Tensor* tensor(jlong h) {
    return reinterpret_cast<at::Tensor*>(h);
}

// A Java global reference shared by the copies of one hook's std::function, deleted with the
// last of them (on whichever thread libtorch destroys the hook, attached as a daemon if need be).
class GlobalRef {
public:
    GlobalRef(JavaVM* vm, jobject obj) : vm_(vm), obj_(obj) {}
    GlobalRef(const GlobalRef&) = delete;
    GlobalRef& operator=(const GlobalRef&) = delete;
    ~GlobalRef() {
        JNIEnv* env = attach(vm_);
        if (env != nullptr) {
            env->DeleteGlobalRef(obj_);
        }
    }
    jobject get() const { return obj_; }
    JavaVM* vm() const { return vm_; }

    static JNIEnv* attach(JavaVM* vm) {
        JNIEnv* env = nullptr;
        jint rc = vm->GetEnv(reinterpret_cast<void**>(&env), JNI_VERSION_1_8);
        if (rc == JNI_EDETACHED) {
            if (vm->AttachCurrentThreadAsDaemon(reinterpret_cast<void**>(&env), nullptr) != JNI_OK) {
                return nullptr;
            }
        } else if (rc != JNI_OK) {
            return nullptr;
        }
        return env;
    }

private:
    JavaVM* vm_;
    jobject obj_;
};

// The Java exception a hook threw, as text, cleared; libtorch gets it as a C++ exception, so
// that backward fails with it (DJL turns that into an EngineException).
std::string takeException(JNIEnv* env) {
    jthrowable t = env->ExceptionOccurred();
    env->ExceptionClear();
    std::string text = "a Java exception";
    jclass object = env->FindClass("java/lang/Object");
    if (object != nullptr) {
        jmethodID toString = env->GetMethodID(object, "toString", "()Ljava/lang/String;");
        jstring s = toString == nullptr ? nullptr : static_cast<jstring>(env->CallObjectMethod(t, toString));
        if (env->ExceptionCheck()) {
            env->ExceptionClear();
        } else if (s != nullptr) {
            const char* chars = env->GetStringUTFChars(s, nullptr);
            if (chars != nullptr) {
                text = chars;
                env->ReleaseStringUTFChars(s, chars);
            }
            env->DeleteLocalRef(s);
        }
        env->DeleteLocalRef(object);
    }
    env->DeleteLocalRef(t);
    return text;
}

void setMessage(JNIEnv* env, jobjectArray out, const char* message) {
    if (out == nullptr || env->GetArrayLength(out) < 1) {
        return;
    }
    jstring s = env->NewStringUTF(message);
    if (s != nullptr) {
        env->SetObjectArrayElement(out, 0, s);
        env->DeleteLocalRef(s);
    }
}

// Checks a copy's ranges; returns the storage's bytes at offset, or a code.
jlong copyTarget(JNIEnv* env, jlong h, jlong offset, jobject buffer, jint position, jint length, char** storageAt,
                 char** bufferAt, c10::intrusive_ptr<c10::StorageImpl>& keep) {
    if (h == 0) {
        return E_NULL;
    }
    keep = ref(h)->weak.lock();
    if (!keep) {
        return E_STORAGE_GONE;
    }
    if (keep->device_type() != c10::DeviceType::CPU) {
        return E_NOT_CPU;
    }
    char* data = static_cast<char*>(keep->_mutable_data_ptr_no_checks().get());
    if (data == nullptr) {
        return E_NOT_ALLOCATED;
    }
    char* base = static_cast<char*>(env->GetDirectBufferAddress(buffer));
    jlong capacity = env->GetDirectBufferCapacity(buffer);
    if (base == nullptr || capacity < 0) {
        return E_NOT_DIRECT;
    }
    jlong nbytes = static_cast<jlong>(keep->nbytes());
    if (offset < 0 || length < 0 || position < 0 || offset > nbytes - length || position > capacity - length) {
        return E_RANGE;
    }
    *storageAt = data + offset;
    *bufferAt = base + position;
    return length;
}

// The storage of an open handle, if it can be released and allocated (CPU, with an allocator); 0 or a code.
jlong evictableStorage(jlong h, c10::intrusive_ptr<c10::StorageImpl>& impl) {
    if (h == 0) {
        return E_NULL;
    }
    impl = ref(h)->weak.lock();
    if (!impl) {
        return E_STORAGE_GONE;
    }
    if (impl->device_type() != c10::DeviceType::CPU) {
        return E_NOT_CPU;
    }
    return impl->allocator() == nullptr ? E_NO_ALLOCATOR : 0;
}

// The listener registerHook0 was given last, and its method (see there).
std::mutex lastListenerLock;
std::shared_ptr<GlobalRef> lastListener;
jmethodID lastMethod = nullptr;

}  // namespace

extern "C" {

JNIEXPORT jint JNICALL Java_io_teraio_torch_TorchNative_abiVersion0(JNIEnv*, jclass) {
    return ABI_VERSION;
}

// out: {storage key, storage data address, storage nbytes, has allocator, device type,
//       tensor data address, tensor storage offset in bytes, requires grad, tensor bytes}
JNIEXPORT jlong JNICALL Java_io_teraio_torch_TorchNative_describe0(JNIEnv* env, jclass, jlong th, jlongArray out) {
    if (th == 0 || out == nullptr || env->GetArrayLength(out) < 9) {
        return E_NULL;
    }
    try {
        const at::Tensor& t = *tensor(th);
        if (!t.defined() || !t.has_storage()) {
            return E_STORAGE_GONE;
        }
        c10::StorageImpl* impl = t.storage().unsafeGetStorageImpl();
        jlong v[9];
        v[0] = reinterpret_cast<jlong>(impl);
        v[1] = reinterpret_cast<jlong>(impl->_mutable_data_ptr_no_checks().get());
        v[2] = static_cast<jlong>(impl->nbytes());
        v[3] = impl->allocator() != nullptr ? 1 : 0;
        v[4] = static_cast<jlong>(impl->device_type());
        v[5] = v[1] == 0 ? 0 : reinterpret_cast<jlong>(t.const_data_ptr());
        v[6] = static_cast<jlong>(t.storage_offset()) * static_cast<jlong>(t.itemsize());
        v[7] = t.requires_grad() ? 1 : 0;
        v[8] = static_cast<jlong>(t.numel()) * static_cast<jlong>(t.itemsize());
        env->SetLongArrayRegion(out, 0, 9, v);
        return 0;
    } catch (const std::exception&) {
        return E_LIBTORCH;
    }
}

// The tensor's version counter: libtorch bumps it on every in-place change of the tensor or of a
// view of it (an optimizer's update, zero_, copy_), in any grad mode; teraio's own copies into a
// storage leave it as it is. E_LIBTORCH for a tensor that tracks none (made in inference mode).
JNIEXPORT jlong JNICALL Java_io_teraio_torch_TorchNative_version0(JNIEnv*, jclass, jlong th) {
    if (th == 0) {
        return E_NULL;
    }
    try {
        const at::Tensor& t = *tensor(th);
        if (!t.defined()) {
            return E_STORAGE_GONE;
        }
        return static_cast<jlong>(t._version());
    } catch (const std::exception&) {
        return E_LIBTORCH;
    }
}

// The state of an open handle's storage now: out {data address, nbytes}.
JNIEXPORT jlong JNICALL Java_io_teraio_torch_TorchNative_state0(JNIEnv* env, jclass, jlong h, jlongArray out) {
    if (h == 0 || out == nullptr || env->GetArrayLength(out) < 2) {
        return E_NULL;
    }
    c10::intrusive_ptr<c10::StorageImpl> impl = ref(h)->weak.lock();
    if (!impl) {
        return E_STORAGE_GONE;
    }
    jlong v[2] = {reinterpret_cast<jlong>(impl->_mutable_data_ptr_no_checks().get()),
                  static_cast<jlong>(impl->nbytes())};
    env->SetLongArrayRegion(out, 0, 2, v);
    return 0;
}

// A direct ByteBuffer over the open handle's storage memory when it is ALIGNMENT-aligned and at
// most 2 GiB (the I/O engine then reads and writes it with no staging copy); null otherwise.
JNIEXPORT jobject JNICALL Java_io_teraio_torch_TorchNative_alignedView0(JNIEnv* env, jclass, jlong h) {
    if (h == 0) {
        return nullptr;
    }
    c10::intrusive_ptr<c10::StorageImpl> impl = ref(h)->weak.lock();
    if (!impl || impl->device_type() != c10::DeviceType::CPU) {
        return nullptr;
    }
    c10::DataPtr& current = impl->_mutable_data_ptr_no_checks();
    void* data = current.get();
    size_t nbytes = impl->nbytes();
    // teraio's blocks only: their free waits for the pins of the I/O through the view; memory
    // of PyTorch's own allocator could be freed under it, so it is copied (copy0) instead
    if (data == nullptr || current.get_deleter() != &freeBlock || current.get_context() != data
            || reinterpret_cast<uintptr_t>(data) % ALIGNMENT != 0 || nbytes > 0x7fffffffu) {
        return nullptr;
    }
    return env->NewDirectByteBuffer(data, static_cast<jlong>(nbytes));
}

// Pins the storage's memory when it is one of teraio's blocks (allocate0's): until unpinBlock0,
// freeing it is deferred. Returns the block's address, or 0 when the memory is not teraio's
// (alignedView0 gives no view of it) or there is none.
JNIEXPORT jlong JNICALL Java_io_teraio_torch_TorchNative_pinBlock0(JNIEnv*, jclass, jlong h) {
    if (h == 0) {
        return E_NULL;
    }
    c10::intrusive_ptr<c10::StorageImpl> impl = ref(h)->weak.lock();
    if (!impl) {
        return 0;
    }
    c10::DataPtr& current = impl->_mutable_data_ptr_no_checks();
    void* data = current.get();
    if (data == nullptr || current.get_deleter() != &freeBlock || current.get_context() != data) {
        return 0;
    }
    Pins& p = pins();
    std::lock_guard<std::mutex> lock(p.mutex);
    auto& pin = p.blocks[data]; // (0, false) when new
    pin.first++;
    return reinterpret_cast<jlong>(data);
}

// Blocks whose free waits for their last pin (for tests).
JNIEXPORT jlong JNICALL Java_io_teraio_torch_TorchNative_deferredFrees0(JNIEnv*, jclass) {
    Pins& p = pins();
    std::lock_guard<std::mutex> lock(p.mutex);
    jlong n = 0;
    for (const auto& e : p.blocks) {
        n += e.second.second ? 1 : 0;
    }
    return n;
}

// Takes back a pin of pinBlock0's; the last one frees the block if its storage let it go meanwhile.
JNIEXPORT void JNICALL Java_io_teraio_torch_TorchNative_unpinBlock0(JNIEnv*, jclass, jlong block) {
    void* data = reinterpret_cast<void*>(block);
    bool free = false;
    {
        Pins& p = pins();
        std::lock_guard<std::mutex> lock(p.mutex);
        auto it = p.blocks.find(data);
        if (it == p.blocks.end()) {
            return;
        }
        if (--it->second.first == 0) {
            free = it->second.second;
            p.blocks.erase(it);
        }
    }
    if (free) {
        std::free(data);
    }
}

// How many references hold the open handle's storage now (tensors, views, autograd's saved
// variables), not counting this call's own.
JNIEXPORT jlong JNICALL Java_io_teraio_torch_TorchNative_references0(JNIEnv*, jclass, jlong h) {
    if (h == 0) {
        return E_NULL;
    }
    c10::intrusive_ptr<c10::StorageImpl> impl = ref(h)->weak.lock();
    if (!impl) {
        return E_STORAGE_GONE;
    }
    return static_cast<jlong>(impl.use_count()) - 1;
}

JNIEXPORT jlong JNICALL Java_io_teraio_torch_TorchNative_open0(JNIEnv*, jclass, jlong th) {
    if (th == 0) {
        return E_NULL;
    }
    try {
        const at::Tensor& t = *tensor(th);
        if (!t.defined() || !t.has_storage()) {
            return E_STORAGE_GONE;
        }
        return reinterpret_cast<jlong>(new StorageRef(t.storage().getWeakStorageImpl()));
    } catch (const std::exception&) {
        return E_LIBTORCH;
    }
}

JNIEXPORT void JNICALL Java_io_teraio_torch_TorchNative_close0(JNIEnv*, jclass, jlong h) {
    delete ref(h);
}

// Copies length bytes between [offset, offset + length) of the storage and the direct buffer at
// position: out of the storage when toBuffer, else into it. Returns length.
JNIEXPORT jlong JNICALL Java_io_teraio_torch_TorchNative_copy0(JNIEnv* env, jclass, jlong h, jlong offset,
                                                              jobject buffer, jint position, jint length,
                                                              jboolean toBuffer) {
    c10::intrusive_ptr<c10::StorageImpl> keep;
    char* storageAt = nullptr;
    char* bufferAt = nullptr;
    jlong n = copyTarget(env, h, offset, buffer, position, length, &storageAt, &bufferAt, keep);
    if (n > 0) {
        if (toBuffer) {
            std::memcpy(bufferAt, storageAt, static_cast<size_t>(n));
        } else {
            std::memcpy(storageAt, bufferAt, static_cast<size_t>(n));
        }
    }
    return n;
}

// Frees the storage's memory: its data pointer becomes an empty one and its size 0, while
// every tensor, view and autograd node that holds the storage keeps holding it. With keep, memory
// that allocate0 gave it (page-aligned, teraio's) is not freed but handed to the caller, for
// allocate0 to give to a storage again. Returns that block's address, or 0 when the memory was
// freed.
JNIEXPORT jlong JNICALL Java_io_teraio_torch_TorchNative_release0(JNIEnv*, jclass, jlong h, jboolean keep) {
    c10::intrusive_ptr<c10::StorageImpl> impl;
    jlong rc = evictableStorage(h, impl);
    if (rc < 0) {
        return rc;
    }
    c10::DataPtr& current = impl->_mutable_data_ptr_no_checks();
    void* data = current.get();
    if (data == nullptr) {
        return E_NOT_ALLOCATED;
    }
    try {
        jlong block = 0;
        if (keep && current.get_deleter() == &freeBlock && current.get_context() == data && !pinned(data)) {
            current.release_context(); // the DataPtr no longer frees it
            block = reinterpret_cast<jlong>(data);
        }
        impl->set_data_ptr_noswap(c10::DataPtr(nullptr, impl->device()));
        impl->set_nbytes(0);
        return block;
    } catch (const std::exception&) {
        return E_LIBTORCH;
    }
}

// Gives a released storage nbytes of memory aligned to ALIGNMENT (a page) so that O_DIRECT can read
// straight into it and write straight from it (uninitialized: the caller copies the bytes back in):
// block, when not 0 (one release0 kept, of at least nbytes rounded up to ALIGNMENT), else new
// memory from posix_memalign. Freed by the DataPtr's own deleter (freeBlock) whenever the storage
// lets it go (PyTorch frees a DataPtr through its deleter, not the allocator); the storage keeps its
// allocator for anything it allocates later. Returns nbytes.
JNIEXPORT jlong JNICALL Java_io_teraio_torch_TorchNative_allocate0(JNIEnv*, jclass, jlong h, jlong nbytes,
                                                                  jlong block) {
    if (nbytes <= 0 || block % static_cast<jlong>(ALIGNMENT) != 0) {
        return E_RANGE;
    }
    c10::intrusive_ptr<c10::StorageImpl> impl;
    jlong rc = evictableStorage(h, impl);
    if (rc < 0) {
        return rc;
    }
    if (impl->_mutable_data_ptr_no_checks().get() != nullptr) {
        return E_ALLOCATED;
    }
    void* memory = reinterpret_cast<void*>(block);
    size_t rounded = (static_cast<size_t>(nbytes) + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
    if (memory == nullptr && (posix_memalign(&memory, ALIGNMENT, rounded) != 0 || memory == nullptr)) {
        return E_LIBTORCH;
    }
    try {
        c10::DataPtr data(memory, memory, &freeBlock, impl->device());
        impl->set_data_ptr_noswap(std::move(data));
        impl->set_nbytes(static_cast<size_t>(nbytes));
        return nbytes;
    } catch (const std::exception&) {
        if (block == 0) {
            std::free(memory);
        }
        return E_LIBTORCH;
    }
}

// Frees a block release0 kept.
JNIEXPORT void JNICALL Java_io_teraio_torch_TorchNative_freeBlock0(JNIEnv*, jclass, jlong block) {
    freeBlock(reinterpret_cast<void*>(block));
}

// Registers a hook on the tensor that calls listener.backwardStarts(id) when the tensor's
// gradient is complete, just before its grad_fn node runs. Returns the hook's index.
JNIEXPORT jlong JNICALL Java_io_teraio_torch_TorchNative_registerHook0(JNIEnv* env, jclass, jlong th, jlong id,
                                                                      jobject listener, jobjectArray message) {
    if (th == 0 || listener == nullptr) {
        return E_NULL;
    }
    // the listener of the last registration, reused while the same object registers (the agent
    // registers every hook with one): no method lookup and no new global reference per hook
    std::shared_ptr<GlobalRef> callback;
    jmethodID method = nullptr;
    {
        std::lock_guard<std::mutex> guard(lastListenerLock);
        if (lastListener && env->IsSameObject(lastListener->get(), listener)) {
            callback = lastListener;
            method = lastMethod;
        }
    }
    if (!callback) {
        JavaVM* vm = nullptr;
        if (env->GetJavaVM(&vm) != JNI_OK) {
            setMessage(env, message, "GetJavaVM failed");
            return E_LIBTORCH;
        }
        jclass type = env->GetObjectClass(listener);
        method = env->GetMethodID(type, "backwardStarts", "(J)V");
        env->DeleteLocalRef(type);
        if (method == nullptr) {
            env->ExceptionClear();
            setMessage(env, message, "the listener has no method void backwardStarts(long)");
            return E_LIBTORCH;
        }
        jobject global = env->NewGlobalRef(listener);
        if (global == nullptr) {
            return E_LIBTORCH;
        }
        callback = std::make_shared<GlobalRef>(vm, global);
        std::lock_guard<std::mutex> guard(lastListenerLock);
        lastListener = callback;
        lastMethod = method;
    }
    try {
        const at::Tensor& t = *tensor(th);
        if (!t.requires_grad()) {
            return E_NO_GRAD;
        }
        // the header's template, over the exported at::TensorBase::_register_hook
        unsigned index = t.register_hook([callback, method, id](const at::TensorBase&) {
            JNIEnv* e = GlobalRef::attach(callback->vm());
            if (e == nullptr) {
                throw std::runtime_error("teraio backward hook " + std::to_string(id)
                                         + ": could not attach this thread to the JVM");
            }
            e->CallVoidMethod(callback->get(), method, static_cast<jlong>(id));
            if (e->ExceptionCheck()) {
                throw std::runtime_error("teraio backward hook " + std::to_string(id) + ": " + takeException(e));
            }
        });
        return static_cast<jlong>(index);
    } catch (const std::exception& e) {
        setMessage(env, message, e.what());
        return E_LIBTORCH;
    }
}

JNIEXPORT jlong JNICALL Java_io_teraio_torch_TorchNative_removeHook0(JNIEnv* env, jclass, jlong th, jlong index,
                                                                    jobjectArray message) {
    if (th == 0) {
        return E_NULL;
    }
    try {
        tensor(th)->remove_hook(static_cast<unsigned>(index));
        return 0;
    } catch (const std::exception& e) {
        setMessage(env, message, e.what());
        return E_LIBTORCH;
    }
}

}  // extern "C"

extern "C" JNIEXPORT jlong JNICALL Java_io_teraio_torch_TorchNative_address0(JNIEnv* env, jclass, jobject buffer) {
    return buffer == nullptr ? 0 : reinterpret_cast<jlong>(env->GetDirectBufferAddress(buffer));
}
