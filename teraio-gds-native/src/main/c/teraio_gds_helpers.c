/* Pure helpers of the teraio GDS shim: see teraio_gds.h. */
#include "teraio_gds.h"

#include <errno.h>
#include <stddef.h>

struct code_entry {
    int code;
    const char *name;
    const char *meaning;
};

/* cuFile's CUfileOpError values, as in cufile.h. */
static const struct code_entry CUFILE_CODES[] = {
    {0, "CU_FILE_SUCCESS", "success"},
    {5001, "CU_FILE_DRIVER_NOT_INITIALIZED", "the cuFile driver is not open (cuFileDriverOpen was not called or failed)"},
    {5002, "CU_FILE_DRIVER_INVALID_PROPS", "invalid cuFile driver properties"},
    {5003, "CU_FILE_DRIVER_UNSUPPORTED_LIMIT", "a cuFile driver limit is not supported"},
    {5004, "CU_FILE_DRIVER_VERSION_MISMATCH", "the nvidia-fs driver and libcufile versions do not match"},
    {5005, "CU_FILE_DRIVER_VERSION_READ_ERROR", "the nvidia-fs driver version could not be read"},
    {5006, "CU_FILE_DRIVER_CLOSING", "the cuFile driver is closing"},
    {5007, "CU_FILE_PLATFORM_NOT_SUPPORTED", "this platform is not supported by GPUDirect Storage"},
    {5008, "CU_FILE_IO_NOT_SUPPORTED", "GPUDirect I/O is not supported on this file system"},
    {5009, "CU_FILE_DEVICE_NOT_SUPPORTED", "this GPU is not supported by GPUDirect Storage"},
    {5010, "CU_FILE_NVFS_DRIVER_ERROR", "the nvidia-fs kernel driver is not loaded or failed"},
    {5011, "CU_FILE_CUDA_DRIVER_ERROR", "the CUDA driver failed (no GPU, or no driver)"},
    {5012, "CU_FILE_CUDA_POINTER_INVALID", "the buffer is not valid CUDA memory"},
    {5013, "CU_FILE_CUDA_MEMORY_TYPE_INVALID", "the buffer's CUDA memory type is not supported"},
    {5014, "CU_FILE_CUDA_POINTER_RANGE_ERROR", "the transfer reaches past the CUDA allocation"},
    {5015, "CU_FILE_CUDA_CONTEXT_MISMATCH", "the buffer belongs to another CUDA context"},
    {5016, "CU_FILE_INVALID_MAPPING_SIZE", "the buffer is too large to map"},
    {5017, "CU_FILE_INVALID_MAPPING_RANGE", "the buffer range cannot be mapped"},
    {5018, "CU_FILE_INVALID_FILE_TYPE", "the file type is not supported"},
    {5019, "CU_FILE_INVALID_FILE_OPEN_FLAG", "the file was opened with unsupported flags"},
    {5020, "CU_FILE_DIO_NOT_SET", "the file was not opened with O_DIRECT"},
    {5022, "CU_FILE_INVALID_VALUE", "an argument is invalid"},
    {5023, "CU_FILE_MEMORY_ALREADY_REGISTERED", "the buffer is already registered"},
    {5024, "CU_FILE_MEMORY_NOT_REGISTERED", "the buffer is not registered"},
    {5025, "CU_FILE_PERMISSION_DENIED", "permission denied"},
    {5026, "CU_FILE_DRIVER_ALREADY_OPEN", "the cuFile driver is already open"},
    {5027, "CU_FILE_HANDLE_NOT_REGISTERED", "the file handle is not registered"},
    {5028, "CU_FILE_HANDLE_ALREADY_REGISTERED", "the file handle is already registered"},
    {5029, "CU_FILE_DEVICE_NOT_FOUND", "no GPU was found"},
    {5030, "CU_FILE_INTERNAL_ERROR", "internal cuFile error"},
    {5031, "CU_FILE_GETNEWFD_FAILED", "a new file descriptor could not be had"},
    {5033, "CU_FILE_NVFS_SETUP_ERROR", "the nvidia-fs driver setup failed"},
    {5034, "CU_FILE_IO_DISABLED", "GPUDirect I/O is disabled in cufile.json"},
    {5035, "CU_FILE_BATCH_SUBMIT_FAILED", "the batch submission failed"},
    {5036, "CU_FILE_GPU_MEMORY_PINNING_FAILED", "GPU memory could not be pinned"},
    {5037, "CU_FILE_BATCH_FULL", "the batch is full"},
    {5038, "CU_FILE_ASYNC_NOT_SUPPORTED", "asynchronous I/O is not supported"},
};

/* The errnos cuFile and the shim report. */
static const struct code_entry ERRNO_CODES[] = {
    {EPERM, "EPERM", "operation not permitted"},
    {ENOENT, "ENOENT", "no such file or directory"},
    {EINTR, "EINTR", "interrupted system call"},
    {EIO, "EIO", "input/output error"},
    {EBADF, "EBADF", "bad file descriptor"},
    {ENOMEM, "ENOMEM", "cannot allocate memory"},
    {EACCES, "EACCES", "permission denied"},
    {EFAULT, "EFAULT", "bad address"},
    {EINVAL, "EINVAL", "invalid argument"},
    {ENOSPC, "ENOSPC", "no space left on device"},
    {EROFS, "EROFS", "read-only file system"},
    {ENOSYS, "ENOSYS", "function not implemented (the loaded libcufile lacks it)"},
    {EOPNOTSUPP, "EOPNOTSUPP", "operation not supported"},
};

static const struct code_entry *find(int code) {
    const struct code_entry *table = code >= TERAIO_CUFILE_ERROR_BASE || code == 0 ? CUFILE_CODES : ERRNO_CODES;
    size_t n = code >= TERAIO_CUFILE_ERROR_BASE || code == 0 ? sizeof CUFILE_CODES / sizeof CUFILE_CODES[0]
                                                             : sizeof ERRNO_CODES / sizeof ERRNO_CODES[0];
    for (size_t i = 0; i < n; i++) {
        if (table[i].code == code) {
            return &table[i];
        }
    }
    return NULL;
}

int teraio_gds_abi_version(void) {
    return TERAIO_GDS_ABI_VERSION;
}

const char *teraio_gds_error_name(int code) {
    const struct code_entry *e = find(code);
    return e != NULL ? e->name : "UNKNOWN";
}

const char *teraio_gds_error_meaning(int code) {
    const struct code_entry *e = find(code);
    return e != NULL ? e->meaning : "unknown code";
}

int teraio_gds_check_io(int64_t size, int64_t file_offset, int64_t buffer_offset) {
    const int64_t max = INT32_MAX;
    if (size <= 0 || size > max || file_offset < 0 || buffer_offset < 0) {
        return -EINVAL;
    }
    if (file_offset > INT64_MAX - size || buffer_offset > INT64_MAX - size) {
        return -EINVAL;
    }
    return 0;
}

int64_t teraio_gds_pack_error(int err, int cu_err) {
    if (err == 0) {
        return 0;
    }
    return (int64_t) (((uint64_t) (uint32_t) err << 32) | (uint32_t) cu_err);
}
