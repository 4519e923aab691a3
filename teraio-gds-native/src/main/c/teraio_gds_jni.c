/*
 * teraio GDS shim: the JNI side of io.teraio.gds.CuFileNative over cuFile.
 *
 * libcufile.so.0 is dlopen'ed lazily (load0), so this library loads on machines without CUDA;
 * the cuFile types and functions are declared here (no CUDA or cuFile headers needed), as in
 * cufile.h. Hot-path calls return a byte count or a negative code (-errno, or -CUfileOpError
 * from 5001 up); calls that return a CUfileError_t return it packed (teraio_gds_pack_error).
 * Nothing here exits, aborts or prints; no JNI string or array is left unreleased.
 */
#define _GNU_SOURCE
#include "teraio_gds.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <jni.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

/* ---- cuFile declarations (cufile.h) ---- */
typedef struct {
    int err;    /* CUfileOpError */
    int cu_err; /* CUresult */
} CUfileError_t;

typedef void *CUfileHandle_t;
typedef void *CUfileBatchHandle_t;

typedef struct {
    int type; /* CUfileFileHandleType: 1 = CU_FILE_HANDLE_TYPE_OPAQUE_FD */
    union {
        int fd;
        void *handle;
    } handle;
    const void *fs_ops;
} CUfileDescr_t;

typedef struct {
    int mode; /* CUfileBatchMode_t: 1 = CUFILE_BATCH */
    union {
        struct {
            void *devPtr_base;
            off_t file_offset;
            off_t devPtr_offset;
            size_t size;
        } batch;
    } u;
    CUfileHandle_t fh;
    int opcode; /* CUfileOpcode_t: 0 = CUFILE_READ, 1 = CUFILE_WRITE */
    void *cookie;
} CUfileIOParams_t;

typedef struct {
    void *cookie;
    int status; /* CUfileStatus_t: 0x10 complete, 0x40 failed, ... */
    size_t ret;
} CUfileIOEvents_t;

struct cufile_table {
    CUfileError_t (*driver_open)(void);
    CUfileError_t (*driver_close)(void);
    CUfileError_t (*get_version)(int *);
    CUfileError_t (*handle_register)(CUfileHandle_t *, CUfileDescr_t *);
    void (*handle_deregister)(CUfileHandle_t);
    CUfileError_t (*buf_register)(const void *, size_t, int);
    CUfileError_t (*buf_deregister)(const void *);
    ssize_t (*read)(CUfileHandle_t, void *, size_t, off_t, off_t);
    ssize_t (*write)(CUfileHandle_t, const void *, size_t, off_t, off_t);
    CUfileError_t (*batch_setup)(CUfileBatchHandle_t *, unsigned);
    CUfileError_t (*batch_submit)(CUfileBatchHandle_t, unsigned, CUfileIOParams_t *, unsigned);
    CUfileError_t (*batch_status)(CUfileBatchHandle_t, unsigned, unsigned *, CUfileIOEvents_t *, struct timespec *);
    void (*batch_destroy)(CUfileBatchHandle_t);
};

static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;
static void *library;
static struct cufile_table cufile;
static char load_error[512];

#define NOT_LOADED (-(int64_t) TERAIO_CUFILE_ERROR_BASE - 1) /* -5001: CU_FILE_DRIVER_NOT_INITIALIZED */

static void *symbol(const char *name) {
    return dlsym(library, name);
}

/* ---- loading ---- */

JNIEXPORT jint JNICALL Java_io_teraio_gds_CuFileNative_abiVersion0(JNIEnv *env, jclass cls) {
    (void) env;
    (void) cls;
    return teraio_gds_abi_version();
}

/* dlopens path (or libcufile.so.0 through the system loader when null); null, or dlerror()'s message. */
JNIEXPORT jstring JNICALL Java_io_teraio_gds_CuFileNative_load0(JNIEnv *env, jclass cls, jstring path) {
    (void) cls;
    jstring result = NULL;
    const char *name = "libcufile.so.0";
    const char *chars = NULL;
    if (path != NULL) {
        chars = (*env)->GetStringUTFChars(env, path, NULL);
        if (chars == NULL) {
            return NULL; /* OutOfMemoryError pending */
        }
        name = chars;
    }
    pthread_mutex_lock(&load_lock);
    if (library == NULL) {
        void *handle = dlopen(name, RTLD_NOW | RTLD_LOCAL);
        if (handle == NULL) {
            const char *why = dlerror();
            strncpy(load_error, why != NULL ? why : "dlopen failed", sizeof load_error - 1);
            load_error[sizeof load_error - 1] = '\0';
        } else {
            library = handle;
            struct cufile_table t;
            memset(&t, 0, sizeof t);
            *(void **) &t.driver_open = symbol("cuFileDriverOpen");
            *(void **) &t.driver_close = symbol("cuFileDriverClose_v2");
            if (t.driver_close == NULL) {
                *(void **) &t.driver_close = symbol("cuFileDriverClose");
            }
            *(void **) &t.get_version = symbol("cuFileGetVersion");
            *(void **) &t.handle_register = symbol("cuFileHandleRegister");
            *(void **) &t.handle_deregister = symbol("cuFileHandleDeregister");
            *(void **) &t.buf_register = symbol("cuFileBufRegister");
            *(void **) &t.buf_deregister = symbol("cuFileBufDeregister");
            *(void **) &t.read = symbol("cuFileRead");
            *(void **) &t.write = symbol("cuFileWrite");
            *(void **) &t.batch_setup = symbol("cuFileBatchIOSetUp");
            *(void **) &t.batch_submit = symbol("cuFileBatchIOSubmit");
            *(void **) &t.batch_status = symbol("cuFileBatchIOGetStatus");
            *(void **) &t.batch_destroy = symbol("cuFileBatchIODestroy");
            if (t.driver_open == NULL || t.driver_close == NULL || t.handle_register == NULL
                || t.handle_deregister == NULL || t.buf_register == NULL || t.buf_deregister == NULL
                || t.read == NULL || t.write == NULL) {
                snprintf(load_error, sizeof load_error, "%s lacks the cuFile functions (cuFileDriverOpen, "
                         "cuFileHandleRegister, cuFileRead, cuFileWrite, ...): not a libcufile", name);
                dlclose(handle);
                library = NULL;
            } else {
                cufile = t;
                load_error[0] = '\0';
            }
        }
    }
    if (library == NULL) {
        result = (*env)->NewStringUTF(env, load_error);
    }
    pthread_mutex_unlock(&load_lock);
    if (chars != NULL) {
        (*env)->ReleaseStringUTFChars(env, path, chars);
    }
    return result;
}

/* The path the loaded library was found at, or null. */
JNIEXPORT jstring JNICALL Java_io_teraio_gds_CuFileNative_loadedPath0(JNIEnv *env, jclass cls) {
    (void) cls;
    Dl_info info;
    if (library == NULL || cufile.driver_open == NULL || dladdr(*(void **) &cufile.driver_open, &info) == 0
        || info.dli_fname == NULL) {
        return NULL;
    }
    return (*env)->NewStringUTF(env, info.dli_fname);
}

JNIEXPORT jboolean JNICALL Java_io_teraio_gds_CuFileNative_hasBatch0(JNIEnv *env, jclass cls) {
    (void) env;
    (void) cls;
    return library != NULL && cufile.batch_setup != NULL && cufile.batch_submit != NULL
           && cufile.batch_status != NULL && cufile.batch_destroy != NULL;
}

/* cuFileGetVersion's value (1000 * major + 10 * minor), -ENOSYS without it, or -5001 when not loaded. */
JNIEXPORT jint JNICALL Java_io_teraio_gds_CuFileNative_version0(JNIEnv *env, jclass cls) {
    (void) env;
    (void) cls;
    if (library == NULL) {
        return (jint) NOT_LOADED;
    }
    if (cufile.get_version == NULL) {
        return -ENOSYS;
    }
    int version = 0;
    CUfileError_t e = cufile.get_version(&version);
    return e.err != 0 ? -e.err : version;
}

/* ---- pure helpers, for Java's decoding and the tests ---- */

JNIEXPORT jstring JNICALL Java_io_teraio_gds_CuFileNative_errorName0(JNIEnv *env, jclass cls, jint code) {
    (void) cls;
    return (*env)->NewStringUTF(env, teraio_gds_error_name(code));
}

JNIEXPORT jstring JNICALL Java_io_teraio_gds_CuFileNative_errorMeaning0(JNIEnv *env, jclass cls, jint code) {
    (void) cls;
    return (*env)->NewStringUTF(env, teraio_gds_error_meaning(code));
}

JNIEXPORT jint JNICALL Java_io_teraio_gds_CuFileNative_checkIo0(JNIEnv *env, jclass cls, jlong size, jlong file_offset,
                                                                 jlong buffer_offset) {
    (void) env;
    (void) cls;
    return teraio_gds_check_io(size, file_offset, buffer_offset);
}

/* ---- driver ---- */

JNIEXPORT jlong JNICALL Java_io_teraio_gds_CuFileNative_driverOpen0(JNIEnv *env, jclass cls) {
    (void) env;
    (void) cls;
    if (library == NULL) {
        return teraio_gds_pack_error(TERAIO_CUFILE_ERROR_BASE + 1, 0);
    }
    CUfileError_t e = cufile.driver_open();
    return teraio_gds_pack_error(e.err, e.cu_err);
}

JNIEXPORT jlong JNICALL Java_io_teraio_gds_CuFileNative_driverClose0(JNIEnv *env, jclass cls) {
    (void) env;
    (void) cls;
    if (library == NULL) {
        return teraio_gds_pack_error(TERAIO_CUFILE_ERROR_BASE + 1, 0);
    }
    CUfileError_t e = cufile.driver_close();
    return teraio_gds_pack_error(e.err, e.cu_err);
}

/* ---- files ---- */

/* Opens path read-write with O_DIRECT (cuFile needs it): the fd, or -errno. */
JNIEXPORT jint JNICALL Java_io_teraio_gds_CuFileNative_open0(JNIEnv *env, jclass cls, jstring path) {
    (void) cls;
    if (path == NULL) {
        return -EINVAL;
    }
    const char *chars = (*env)->GetStringUTFChars(env, path, NULL);
    if (chars == NULL) {
        return -ENOMEM;
    }
    int fd = open(chars, O_RDWR | O_DIRECT | O_CLOEXEC);
    int error = errno;
    (*env)->ReleaseStringUTFChars(env, path, chars);
    return fd >= 0 ? fd : -error;
}

JNIEXPORT jint JNICALL Java_io_teraio_gds_CuFileNative_close0(JNIEnv *env, jclass cls, jint fd) {
    (void) env;
    (void) cls;
    return close(fd) == 0 ? 0 : -errno;
}

/* Registers fd; the handle goes to out[0]. Returns the packed error. */
JNIEXPORT jlong JNICALL Java_io_teraio_gds_CuFileNative_handleRegister0(JNIEnv *env, jclass cls, jint fd,
                                                                         jlongArray out) {
    (void) cls;
    if (library == NULL) {
        return teraio_gds_pack_error(TERAIO_CUFILE_ERROR_BASE + 1, 0);
    }
    if (out == NULL || (*env)->GetArrayLength(env, out) < 1) {
        return teraio_gds_pack_error(5022, 0);
    }
    CUfileDescr_t descr;
    memset(&descr, 0, sizeof descr);
    descr.type = 1;
    descr.handle.fd = fd;
    CUfileHandle_t handle = NULL;
    CUfileError_t e = cufile.handle_register(&handle, &descr);
    if (e.err == 0) {
        jlong value = (jlong) (intptr_t) handle;
        (*env)->SetLongArrayRegion(env, out, 0, 1, &value);
    }
    return teraio_gds_pack_error(e.err, e.cu_err);
}

JNIEXPORT void JNICALL Java_io_teraio_gds_CuFileNative_handleDeregister0(JNIEnv *env, jclass cls, jlong handle) {
    (void) env;
    (void) cls;
    if (library != NULL && handle != 0) {
        cufile.handle_deregister((CUfileHandle_t) (intptr_t) handle);
    }
}

/* ---- buffers ---- */

JNIEXPORT jlong JNICALL Java_io_teraio_gds_CuFileNative_bufRegister0(JNIEnv *env, jclass cls, jlong address,
                                                                      jlong length, jint flags) {
    (void) env;
    (void) cls;
    if (library == NULL) {
        return teraio_gds_pack_error(TERAIO_CUFILE_ERROR_BASE + 1, 0);
    }
    if (address == 0 || length <= 0) {
        return teraio_gds_pack_error(5022, 0);
    }
    CUfileError_t e = cufile.buf_register((const void *) (intptr_t) address, (size_t) length, flags);
    return teraio_gds_pack_error(e.err, e.cu_err);
}

JNIEXPORT jlong JNICALL Java_io_teraio_gds_CuFileNative_bufDeregister0(JNIEnv *env, jclass cls, jlong address) {
    (void) env;
    (void) cls;
    if (library == NULL) {
        return teraio_gds_pack_error(TERAIO_CUFILE_ERROR_BASE + 1, 0);
    }
    CUfileError_t e = cufile.buf_deregister((const void *) (intptr_t) address);
    return teraio_gds_pack_error(e.err, e.cu_err);
}

/* ---- the hot path: bytes moved, or a negative code ---- */

static jlong io_result(ssize_t n) {
    if (n >= 0) {
        return (jlong) n;
    }
    if (n == -1) {
        return errno != 0 ? -(jlong) errno : -(jlong) EIO;
    }
    return (jlong) n; /* -CUfileOpError */
}

JNIEXPORT jlong JNICALL Java_io_teraio_gds_CuFileNative_read0(JNIEnv *env, jclass cls, jlong handle, jlong address,
                                                               jlong size, jlong file_offset, jlong buffer_offset) {
    (void) env;
    (void) cls;
    if (library == NULL) {
        return NOT_LOADED;
    }
    int check = teraio_gds_check_io(size, file_offset, buffer_offset);
    if (check != 0 || handle == 0 || address == 0) {
        return check != 0 ? check : -EINVAL;
    }
    errno = 0;
    return io_result(cufile.read((CUfileHandle_t) (intptr_t) handle, (void *) (intptr_t) address, (size_t) size,
                                 (off_t) file_offset, (off_t) buffer_offset));
}

JNIEXPORT jlong JNICALL Java_io_teraio_gds_CuFileNative_write0(JNIEnv *env, jclass cls, jlong handle, jlong address,
                                                                jlong size, jlong file_offset, jlong buffer_offset) {
    (void) env;
    (void) cls;
    if (library == NULL) {
        return NOT_LOADED;
    }
    int check = teraio_gds_check_io(size, file_offset, buffer_offset);
    if (check != 0 || handle == 0 || address == 0) {
        return check != 0 ? check : -EINVAL;
    }
    errno = 0;
    return io_result(cufile.write((CUfileHandle_t) (intptr_t) handle, (const void *) (intptr_t) address,
                                  (size_t) size, (off_t) file_offset, (off_t) buffer_offset));
}

/* ---- the batch API, when the library has it ---- */

JNIEXPORT jlong JNICALL Java_io_teraio_gds_CuFileNative_batchSetUp0(JNIEnv *env, jclass cls, jint max,
                                                                     jlongArray out) {
    (void) cls;
    if (!Java_io_teraio_gds_CuFileNative_hasBatch0(env, cls)) {
        return teraio_gds_pack_error(5038, 0);
    }
    if (max <= 0 || out == NULL || (*env)->GetArrayLength(env, out) < 1) {
        return teraio_gds_pack_error(5022, 0);
    }
    CUfileBatchHandle_t batch = NULL;
    CUfileError_t e = cufile.batch_setup(&batch, (unsigned) max);
    if (e.err == 0) {
        jlong value = (jlong) (intptr_t) batch;
        (*env)->SetLongArrayRegion(env, out, 0, 1, &value);
    }
    return teraio_gds_pack_error(e.err, e.cu_err);
}

/*
 * Submits n I/Os; entry i: handles[i], addresses[i], sizes[i], fileOffsets[i], bufferOffsets[i],
 * writes[i] (1 write, 0 read), its cookie being i. Returns the packed error.
 */
JNIEXPORT jlong JNICALL Java_io_teraio_gds_CuFileNative_batchSubmit0(JNIEnv *env, jclass cls, jlong batch, jint n,
                                                                      jlongArray handles, jlongArray addresses,
                                                                      jlongArray sizes, jlongArray file_offsets,
                                                                      jlongArray buffer_offsets, jintArray writes) {
    (void) cls;
    if (!Java_io_teraio_gds_CuFileNative_hasBatch0(env, cls)) {
        return teraio_gds_pack_error(5038, 0);
    }
    jlongArray longs[] = {handles, addresses, sizes, file_offsets, buffer_offsets};
    for (int k = 0; k < 5; k++) {
        if (longs[k] == NULL || (*env)->GetArrayLength(env, longs[k]) < n) {
            return teraio_gds_pack_error(5022, 0);
        }
    }
    if (batch == 0 || n <= 0 || writes == NULL || (*env)->GetArrayLength(env, writes) < n) {
        return teraio_gds_pack_error(5022, 0);
    }
    CUfileIOParams_t *params = calloc((size_t) n, sizeof *params);
    jlong *values = calloc((size_t) n * 5, sizeof *values);
    jint *ops = calloc((size_t) n, sizeof *ops);
    if (params == NULL || values == NULL || ops == NULL) {
        free(params);
        free(values);
        free(ops);
        return teraio_gds_pack_error(5030, 0);
    }
    for (int k = 0; k < 5; k++) {
        (*env)->GetLongArrayRegion(env, longs[k], 0, n, values + (size_t) k * n);
    }
    (*env)->GetIntArrayRegion(env, writes, 0, n, ops);
    int64_t bad = 0;
    for (int i = 0; i < n && bad == 0; i++) {
        jlong size = values[2 * n + i];
        if (teraio_gds_check_io(size, values[3 * n + i], values[4 * n + i]) != 0 || values[i] == 0
            || values[n + i] == 0) {
            bad = teraio_gds_pack_error(5022, 0);
            break;
        }
        params[i].mode = 1;
        params[i].u.batch.devPtr_base = (void *) (intptr_t) values[n + i];
        params[i].u.batch.size = (size_t) size;
        params[i].u.batch.file_offset = (off_t) values[3 * n + i];
        params[i].u.batch.devPtr_offset = (off_t) values[4 * n + i];
        params[i].fh = (CUfileHandle_t) (intptr_t) values[i];
        params[i].opcode = ops[i] != 0 ? 1 : 0;
        params[i].cookie = (void *) (intptr_t) i;
    }
    int64_t result = bad;
    if (bad == 0) {
        CUfileError_t e = cufile.batch_submit((CUfileBatchHandle_t) (intptr_t) batch, (unsigned) n, params, 0);
        result = teraio_gds_pack_error(e.err, e.cu_err);
    }
    free(params);
    free(values);
    free(ops);
    return result;
}

/*
 * Waits up to timeoutNanos for at least min of the batch's I/Os to end; writes each ended one's
 * cookie (its index at submission), status and bytes (ret) to the arrays. Returns how many
 * ended, or -CUfileOpError.
 */
JNIEXPORT jint JNICALL Java_io_teraio_gds_CuFileNative_batchStatus0(JNIEnv *env, jclass cls, jlong batch, jint min,
                                                                     jlong timeout_nanos, jintArray cookies,
                                                                     jintArray statuses, jlongArray rets) {
    (void) cls;
    if (!Java_io_teraio_gds_CuFileNative_hasBatch0(env, cls)) {
        return -5038;
    }
    if (batch == 0 || cookies == NULL || statuses == NULL || rets == NULL || min < 0) {
        return -5022;
    }
    jsize max = (*env)->GetArrayLength(env, cookies);
    if ((*env)->GetArrayLength(env, statuses) < max || (*env)->GetArrayLength(env, rets) < max || max <= 0
        || min > max) {
        return -5022;
    }
    CUfileIOEvents_t *events = calloc((size_t) max, sizeof *events);
    jint *c = calloc((size_t) max, sizeof *c);
    jint *s = calloc((size_t) max, sizeof *s);
    jlong *r = calloc((size_t) max, sizeof *r);
    if (events == NULL || c == NULL || s == NULL || r == NULL) {
        free(events);
        free(c);
        free(s);
        free(r);
        return -5030;
    }
    unsigned nr = (unsigned) max;
    struct timespec timeout = {(time_t) (timeout_nanos / 1000000000LL), (long) (timeout_nanos % 1000000000LL)};
    CUfileError_t e = cufile.batch_status((CUfileBatchHandle_t) (intptr_t) batch, (unsigned) min, &nr, events,
                                          &timeout);
    jint result;
    if (e.err != 0) {
        result = -e.err;
    } else {
        for (unsigned i = 0; i < nr && i < (unsigned) max; i++) {
            c[i] = (jint) (intptr_t) events[i].cookie;
            s[i] = events[i].status;
            r[i] = (jlong) events[i].ret;
        }
        result = (jint) (nr < (unsigned) max ? nr : (unsigned) max);
        (*env)->SetIntArrayRegion(env, cookies, 0, result, c);
        (*env)->SetIntArrayRegion(env, statuses, 0, result, s);
        (*env)->SetLongArrayRegion(env, rets, 0, result, r);
    }
    free(events);
    free(c);
    free(s);
    free(r);
    return result;
}

JNIEXPORT void JNICALL Java_io_teraio_gds_CuFileNative_batchDestroy0(JNIEnv *env, jclass cls, jlong batch) {
    if (Java_io_teraio_gds_CuFileNative_hasBatch0(env, cls) && batch != 0) {
        cufile.batch_destroy((CUfileBatchHandle_t) (intptr_t) batch);
    }
}
