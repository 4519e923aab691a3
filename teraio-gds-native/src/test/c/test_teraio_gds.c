/*
 * Tests the shim's pure helpers (error naming, argument checks, error packing, ABI version).
 * Exits 0 when every check holds; prints each failed check and exits 1 otherwise. Run by the
 * Maven build in the test phase.
 */
#include "teraio_gds.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static int failures;
static int checks;

#define CHECK(cond)                                                                                                    \
    do {                                                                                                               \
        checks++;                                                                                                      \
        if (!(cond)) {                                                                                                 \
            failures++;                                                                                                \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);                                  \
        }                                                                                                              \
    } while (0)

static void test_names(void) {
    CHECK(strcmp(teraio_gds_error_name(5011), "CU_FILE_CUDA_DRIVER_ERROR") == 0);
    CHECK(strcmp(teraio_gds_error_name(5010), "CU_FILE_NVFS_DRIVER_ERROR") == 0);
    CHECK(strcmp(teraio_gds_error_name(5020), "CU_FILE_DIO_NOT_SET") == 0);
    CHECK(strcmp(teraio_gds_error_name(0), "CU_FILE_SUCCESS") == 0);
    CHECK(strcmp(teraio_gds_error_name(ENOENT), "ENOENT") == 0);
    CHECK(strcmp(teraio_gds_error_name(ENOSPC), "ENOSPC") == 0);
    CHECK(strcmp(teraio_gds_error_name(5021), "UNKNOWN") == 0); /* a gap in CUfileOpError */
    CHECK(strcmp(teraio_gds_error_name(-1), "UNKNOWN") == 0);
    CHECK(strcmp(teraio_gds_error_meaning(5010), "the nvidia-fs kernel driver is not loaded or failed") == 0);
    CHECK(strcmp(teraio_gds_error_meaning(424242), "unknown code") == 0);
    for (int code = 5001; code <= 5038; code++) {
        CHECK(teraio_gds_error_name(code) != NULL && teraio_gds_error_meaning(code) != NULL);
    }
}

static void test_check_io(void) {
    CHECK(teraio_gds_check_io(4096, 0, 0) == 0);
    CHECK(teraio_gds_check_io(1, 123, 7) == 0);
    CHECK(teraio_gds_check_io(INT32_MAX, 0, 0) == 0);
    CHECK(teraio_gds_check_io(0, 0, 0) == -EINVAL);
    CHECK(teraio_gds_check_io(-4096, 0, 0) == -EINVAL);
    CHECK(teraio_gds_check_io((int64_t) INT32_MAX + 1, 0, 0) == -EINVAL);
    CHECK(teraio_gds_check_io(4096, -1, 0) == -EINVAL);
    CHECK(teraio_gds_check_io(4096, 0, -1) == -EINVAL);
    CHECK(teraio_gds_check_io(4096, INT64_MAX - 100, 0) == -EINVAL);
    CHECK(teraio_gds_check_io(4096, 0, INT64_MAX - 100) == -EINVAL);
}

static void test_pack(void) {
    CHECK(teraio_gds_pack_error(0, 0) == 0);
    CHECK(teraio_gds_pack_error(0, 35) == 0);
    int64_t packed = teraio_gds_pack_error(5011, 100);
    CHECK((int) (packed >> 32) == 5011);
    CHECK((int) (packed & 0xffffffff) == 100);
    packed = teraio_gds_pack_error(5030, -1);
    CHECK((int) (packed >> 32) == 5030 && (int32_t) (packed & 0xffffffff) == -1);
}

int main(void) {
    CHECK(teraio_gds_abi_version() == TERAIO_GDS_ABI_VERSION);
    CHECK(TERAIO_GDS_ABI_VERSION >= 1);
    test_names();
    test_check_io();
    test_pack();
    if (failures != 0) {
        fprintf(stderr, "test_teraio_gds: %d of %d checks failed\n", failures, checks);
        return 1;
    }
    printf("test_teraio_gds: %d checks passed\n", checks);
    return 0;
}
