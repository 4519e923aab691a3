/*
 * A fake libcufile for fault injection in tests: it has cuFile's functions, and
 * cuFileDriverOpen fails with the CUfileOpError and CUresult in the environment variables
 * FAKE_CUFILE_DRIVER_OPEN_ERR and FAKE_CUFILE_CU_ERR (default 5010, 0). Every other function
 * fails with CU_FILE_DRIVER_NOT_INITIALIZED. Nothing here moves bytes.
 */
#include <stddef.h>
#include <stdlib.h>
#include <sys/types.h>

typedef struct {
    int err;
    int cu_err;
} CUfileError_t;

static int env_int(const char *name, int fallback) {
    const char *text = getenv(name);
    return text != NULL && *text != '\0' ? atoi(text) : fallback;
}

static CUfileError_t not_initialized(void) {
    CUfileError_t e = {5001, 0};
    return e;
}

CUfileError_t cuFileDriverOpen(void) {
    CUfileError_t e = {env_int("FAKE_CUFILE_DRIVER_OPEN_ERR", 5010), env_int("FAKE_CUFILE_CU_ERR", 0)};
    return e;
}

CUfileError_t cuFileDriverClose_v2(void) {
    return not_initialized();
}

CUfileError_t cuFileHandleRegister(void **fh, void *descr) {
    (void) fh;
    (void) descr;
    return not_initialized();
}

void cuFileHandleDeregister(void *fh) {
    (void) fh;
}

CUfileError_t cuFileBufRegister(const void *p, size_t n, int flags) {
    (void) p;
    (void) n;
    (void) flags;
    return not_initialized();
}

CUfileError_t cuFileBufDeregister(const void *p) {
    (void) p;
    return not_initialized();
}

ssize_t cuFileRead(void *fh, void *p, size_t n, off_t file_offset, off_t buffer_offset) {
    (void) fh;
    (void) p;
    (void) n;
    (void) file_offset;
    (void) buffer_offset;
    return -5001;
}

ssize_t cuFileWrite(void *fh, const void *p, size_t n, off_t file_offset, off_t buffer_offset) {
    (void) fh;
    (void) p;
    (void) n;
    (void) file_offset;
    (void) buffer_offset;
    return -5001;
}
