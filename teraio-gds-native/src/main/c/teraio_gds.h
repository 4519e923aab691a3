/*
 * teraio GDS shim: the parts that need neither JNI nor cuFile (error names, argument checks,
 * the ABI version), shared by the JNI library and its C test.
 *
 * The shim never exits, aborts or prints: every function returns a value or a code.
 */
#ifndef TERAIO_GDS_H
#define TERAIO_GDS_H

#include <stdint.h>

/* Raised whenever a native method's signature or meaning changes; CuFileNative checks it at load. */
#define TERAIO_GDS_ABI_VERSION 1

/* cuFile error codes (CUfileOpError) start here; smaller positive codes are errnos. */
#define TERAIO_CUFILE_ERROR_BASE 5000

int teraio_gds_abi_version(void);

/*
 * The symbolic name of a code: a cuFile CUfileOpError (5001..), or an errno (1..4999):
 * "CU_FILE_DRIVER_NOT_INITIALIZED", "ENOENT". Never NULL: "UNKNOWN" for codes it does not know.
 */
const char *teraio_gds_error_name(int code);

/* What a code means, in a few words: "the nvidia-fs driver is not loaded". Never NULL. */
const char *teraio_gds_error_meaning(int code);

/*
 * Checks the arguments of a read or write: size positive and at most 2^31 - 1 (cuFile's limit
 * for one call is below SSIZE_MAX, and the engine's tasks are at most 1 GiB), offsets not
 * negative, and size + offsets not overflowing. Returns 0, or -22 (-EINVAL).
 */
int teraio_gds_check_io(int64_t size, int64_t file_offset, int64_t buffer_offset);

/*
 * Packs a CUfileError_t (err, cu_err) into one 64-bit value for Java: 0 for success, else
 * err in the high 32 bits and cu_err in the low ones.
 */
int64_t teraio_gds_pack_error(int err, int cu_err);

#endif
