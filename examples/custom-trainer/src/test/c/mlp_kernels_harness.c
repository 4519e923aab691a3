/*
 * Runs one launch of a kernel of src/main/cuda/mlp_kernels.cu on the CPU, the way a GPU would
 * run it: for every block of the grid and every thread of a block, the kernel is called with
 * that block and thread index. KernelHarnessTest (through HarnessKernels) sends the launch
 * that LaunchedKernels built and compares the buffers that come back with CpuKernels.
 *
 * stdin (little-endian): int32 name length, the name, int32 blocks, int32 threads per block,
 * int32 argument count, then each argument: int32 tag (0 buffer: int32 floats, the floats;
 * 1 int32; 2 float32). stdout: every buffer argument's floats, in order. Each buffer is
 * surrounded by guard floats; a kernel that writes outside its buffer, an argument list that
 * is not the kernel's, or bad input make it print the reason to stderr and exit 1.
 */
#define MLP_KERNELS_HOST
#include "mlp_kernels.cu"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ARGS 8
#define GUARD 64
/* a finite float (1.3e19): a NaN would pass through an out-of-bounds kernel unchanged */
#define GUARD_BITS 0x5f3759df

enum { BUFFER = 0, INT = 1, FLOAT = 2 };

struct arg {
    int tag;
    int32_t count; /* floats of a buffer */
    float *base;   /* the buffer after its leading guard */
    int32_t i;
    float f;
};

static void fail(const char *what, const char *detail) {
    fprintf(stderr, "mlp_kernels_harness: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    exit(1);
}

static void read_exact(void *dst, size_t bytes) {
    if (fread(dst, 1, bytes, stdin) != bytes) {
        fail("short input", NULL);
    }
}

static int32_t read_int(void) {
    int32_t v;
    read_exact(&v, sizeof v);
    return v;
}

static void set_guard(float *p, int n) {
    uint32_t bits = GUARD_BITS;
    for (int i = 0; i < n; i++) {
        memcpy(&p[i], &bits, sizeof bits);
    }
}

static int guard_intact(const float *p, int n) {
    for (int i = 0; i < n; i++) {
        uint32_t bits;
        memcpy(&bits, &p[i], sizeof bits);
        if (bits != GUARD_BITS) {
            return 0;
        }
    }
    return 1;
}

/* The argument list of each kernel: b buffer, i int, f float, in the order of its parameters. */
static const char *signature(const char *name) {
    if (strcmp(name, "mlp_linear") == 0) return "bbbiiii";
    if (strcmp(name, "mlp_relu_backward") == 0) return "bbi";
    if (strcmp(name, "mlp_linear_grad") == 0) return "bbbiii";
    if (strcmp(name, "mlp_input_grad") == 0) return "bbbiii";
    if (strcmp(name, "mlp_sgd") == 0) return "bbfi";
    if (strcmp(name, "mlp_mse") == 0) return "bbbbfii";
    return NULL;
}

/* Calls kernel name once with the current block and thread index. */
static void call(const char *name, struct arg *a) {
    if (strcmp(name, "mlp_linear") == 0) {
        mlp_linear(a[0].base, a[1].base, a[2].base, a[3].i, a[4].i, a[5].i, a[6].i);
    } else if (strcmp(name, "mlp_relu_backward") == 0) {
        mlp_relu_backward(a[0].base, a[1].base, a[2].i);
    } else if (strcmp(name, "mlp_linear_grad") == 0) {
        mlp_linear_grad(a[0].base, a[1].base, a[2].base, a[3].i, a[4].i, a[5].i);
    } else if (strcmp(name, "mlp_input_grad") == 0) {
        mlp_input_grad(a[0].base, a[1].base, a[2].base, a[3].i, a[4].i, a[5].i);
    } else if (strcmp(name, "mlp_sgd") == 0) {
        mlp_sgd(a[0].base, a[1].base, a[2].f, a[3].i);
    } else {
        mlp_mse(a[0].base, a[1].base, a[2].base, a[3].base, a[4].f, a[5].i, a[6].i);
    }
}

int main(void) {
    char name[64];
    int32_t length = read_int();
    if (length <= 0 || length >= (int32_t) sizeof name) {
        fail("bad kernel name length", NULL);
    }
    read_exact(name, (size_t) length);
    name[length] = '\0';
    const char *sig = signature(name);
    if (sig == NULL) {
        fail("no such kernel", name);
    }
    int32_t blocks = read_int();
    int32_t threads = read_int();
    int32_t argc = read_int();
    if (blocks <= 0 || threads <= 0 || threads > 1024) {
        fail("bad launch shape (blocks > 0, 1 to 1024 threads per block)", name);
    }
    if (argc != (int32_t) strlen(sig)) {
        fail("argument count is not the kernel's", name);
    }
    struct arg args[MAX_ARGS];
    for (int k = 0; k < argc; k++) {
        struct arg *a = &args[k];
        a->tag = read_int();
        int expected = sig[k] == 'b' ? BUFFER : sig[k] == 'i' ? INT : FLOAT;
        if (a->tag != expected) {
            fail("argument type is not the kernel's parameter type", name);
        }
        if (a->tag == BUFFER) {
            a->count = read_int();
            if (a->count < 0) {
                fail("negative buffer length", name);
            }
            float *block = malloc(sizeof(float) * ((size_t) a->count + 2 * GUARD));
            if (block == NULL) {
                fail("out of memory", name);
            }
            set_guard(block, GUARD);
            set_guard(block + GUARD + a->count, GUARD);
            a->base = block + GUARD;
            read_exact(a->base, sizeof(float) * (size_t) a->count);
        } else if (a->tag == INT) {
            a->i = read_int();
        } else {
            read_exact(&a->f, sizeof a->f);
        }
    }
    harness_block_dim = threads;
    for (harness_block_idx = 0; harness_block_idx < blocks; harness_block_idx++) {
        for (harness_thread_idx = 0; harness_thread_idx < threads; harness_thread_idx++) {
            call(name, args);
        }
    }
    for (int k = 0; k < argc; k++) {
        if (args[k].tag != BUFFER) {
            continue;
        }
        if (!guard_intact(args[k].base - GUARD, GUARD) || !guard_intact(args[k].base + args[k].count, GUARD)) {
            fail("a kernel wrote outside a buffer", name);
        }
        if (fwrite(args[k].base, sizeof(float), (size_t) args[k].count, stdout) != (size_t) args[k].count) {
            fail("cannot write the output", name);
        }
        free(args[k].base - GUARD);
    }
    return 0;
}
