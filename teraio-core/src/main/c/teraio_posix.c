/*
 * The POSIX and glibc calls Java lacks, for io.teraio.core.internal.storage.Posix: fallocate, anonymous
 * mappings, aligned allocation, mallopt and malloc_trim, and direct buffers over native memory.
 * Each returns 0 or a positive errno (or, for the allocators, 0 for "no memory"), never throws:
 * the Java side turns errnos into messages. Built by teraio-core's Maven build with gcc, packaged
 * in its jar at native/linux-x86_64/libteraio_posix.so.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <jni.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

/* Raised when a function changes meaning; the Java side refuses a library of another version. */
#define TERAIO_POSIX_ABI 1

JNIEXPORT jint JNICALL Java_io_teraio_core_internal_storage_Posix_abiVersion0(JNIEnv *env, jclass cls) {
    (void) env;
    (void) cls;
    return TERAIO_POSIX_ABI;
}

/* fallocate(mode 0) of [offset, offset + length) through a descriptor of its own: 0 or the errno. */
JNIEXPORT jint JNICALL Java_io_teraio_core_internal_storage_Posix_fallocate0(JNIEnv *env, jclass cls, jstring path,
                                                                    jlong offset, jlong length) {
    (void) cls;
    const char *p = (*env)->GetStringUTFChars(env, path, NULL);
    if (p == NULL) {
        return ENOMEM;
    }
    int fd = open(p, O_RDWR | O_CLOEXEC);
    int err = fd < 0 ? errno : 0;
    (*env)->ReleaseStringUTFChars(env, path, p);
    if (fd < 0) {
        return err;
    }
    int rc = fallocate(fd, 0, (off_t) offset, (off_t) length);
    err = rc == 0 ? 0 : errno;
    close(fd);
    return err;
}

/* A private anonymous read-write mapping of bytes: its address, or 0 when refused. */
JNIEXPORT jlong JNICALL Java_io_teraio_core_internal_storage_Posix_map0(JNIEnv *env, jclass cls, jlong bytes) {
    (void) env;
    (void) cls;
    void *p = mmap(NULL, (size_t) bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? 0 : (jlong) (uintptr_t) p;
}

JNIEXPORT jint JNICALL Java_io_teraio_core_internal_storage_Posix_unmap0(JNIEnv *env, jclass cls, jlong address, jlong bytes) {
    (void) env;
    (void) cls;
    return munmap((void *) (uintptr_t) address, (size_t) bytes) == 0 ? 0 : errno;
}

/* bytes of malloc'd memory aligned to alignment (a power of two, a multiple of sizeof(void *)): or 0. */
JNIEXPORT jlong JNICALL Java_io_teraio_core_internal_storage_Posix_allocate0(JNIEnv *env, jclass cls, jlong bytes,
                                                                    jlong alignment) {
    (void) env;
    (void) cls;
    void *p = NULL;
    return posix_memalign(&p, (size_t) alignment, (size_t) bytes) == 0 ? (jlong) (uintptr_t) p : 0;
}

JNIEXPORT void JNICALL Java_io_teraio_core_internal_storage_Posix_free0(JNIEnv *env, jclass cls, jlong address) {
    (void) env;
    (void) cls;
    free((void *) (uintptr_t) address);
}

/* A direct buffer over [address, address + length): no copy, not freed by the garbage collector. */
JNIEXPORT jobject JNICALL Java_io_teraio_core_internal_storage_Posix_view0(JNIEnv *env, jclass cls, jlong address,
                                                                  jint length) {
    (void) cls;
    return (*env)->NewDirectByteBuffer(env, (void *) (uintptr_t) address, (jlong) length);
}

/* glibc's mallopt: 1 when it took the value, 0 when it refused it. */
JNIEXPORT jint JNICALL Java_io_teraio_core_internal_storage_Posix_mallopt0(JNIEnv *env, jclass cls, jint param, jint value) {
    (void) env;
    (void) cls;
    return mallopt(param, value);
}

/* glibc's malloc_trim(pad): 1 when memory went back to the system, else 0. */
JNIEXPORT jint JNICALL Java_io_teraio_core_internal_storage_Posix_mallocTrim0(JNIEnv *env, jclass cls, jlong pad) {
    (void) env;
    (void) cls;
    return malloc_trim((size_t) pad);
}
