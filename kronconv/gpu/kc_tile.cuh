// kronconv/gpu/kc_tile.cuh -- shared pieces of tiled.cu and cascade.cu (inlined into each source
// by kronconv.gpu.kernels.kernel_source, so NVRTC needs no include path).
//
// kc_tile_correlate correlates one tile held in shared memory with a dilated kernel:
//
//   out(p, r, q) = sum_{t0, t1, t2} w[t0, t1, t2] * src[p + t0 d0, r + t1 d1, q + t2 d2]
//
// for p < R0, r < R1, q < R2, where src has S1 = R1 + d1 (k1 - 1) rows and S2 = R2 + d2 (k2 - 1)
// columns per plane, and hands each value to store(p, r, q, value).  Threads of the block split
// (p, r, q) with threadIdx (z, y, x), so a warp reads consecutive columns (no bank conflicts) and
// the caller's stores are coalesced.  Terms are added in the order (t0, t1, t2) on both paths.
//
// With every kernel size known at compile time (KA, KB, KC > 0) the weights live in registers and
// each thread computes RB outputs of one column at rows r, r + d1, ..., r + (RB - 1) d1: those share
// input rows, so each value read from shared memory feeds up to min(RB, KB) outputs
// ((RB + KB - 1) KA KC reads for RB KA KB KC multiply-adds; 3 x 3, RB = 4: 18 reads for 36;
// fewer outputs per thread for larger kernels, so weights and accumulators stay in registers).
// Otherwise sizes are read at run time and every tap reads the weight and the input from shared memory.

#ifndef KC_DYNAMIC_SHARED
#define KC_DYNAMIC_SHARED(T, name) \
    extern __shared__ double kc_dynamic_smem_[]; /* double: aligned for float and double */ \
    T* name = reinterpret_cast<T*>(kc_dynamic_smem_)
#endif

// Copy one element from global to shared memory without holding a register: on sm_80 and later
// cp.async (the copy is in flight until kc_load_wait, so a thread issues all its tile loads back to
// back and the memory system sees many requests at once); zero-filled when !valid, in which case
// src is not read.  Elsewhere (older GPUs, the host emulation) a plain load and store.
template <typename T>
__device__ __forceinline__ void kc_load_async(T* dst, const T* src, const bool valid) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
    const unsigned int saddr = (unsigned int)__cvta_generic_to_shared(dst);
    asm volatile("cp.async.ca.shared.global [%0], [%1], %2, %3;\n"
                 :: "r"(saddr), "l"(src), "n"((int)sizeof(T)), "r"(valid ? (int)sizeof(T) : 0) : "memory");
#else
    *dst = valid ? *src : T(0);
#endif
}

// Wait for this thread's kc_load_async copies (a __syncthreads must follow before others read them).
__device__ __forceinline__ void kc_load_wait() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
    asm volatile("cp.async.wait_all;\n" ::: "memory");
#endif
}

// outputs per thread along axis 1: four up to 9 taps, two up to 25, else one (registers); one for 1-D
template <int KA, int KB, int KC>
struct kc_row_block {
    static const int value = KB > 1 ? (KA * KB * KC <= 9 ? 4 : (KA * KB * KC <= 25 ? 2 : 1)) : 1;
};

template <typename T, int KA, int KB, int KC, typename Store>
__device__ __forceinline__ void kc_tile_correlate(const T* src, const int S1, const int S2, const int R0, const int R1,
                                                  const int R2, const int d0, const int d1, const int d2,
                                                  const T* wsm, const int k0, const int k1, const int k2,
                                                  Store store) {
    if (KA > 0 && KB > 0 && KC > 0) {
        const int RB = kc_row_block<KA, KB, KC>::value;
        const int A = KA > 0 ? KA : 1, B = KB > 0 ? KB : 1, C = KC > 0 ? KC : 1;
        T wr[A][B][C];
#pragma unroll
        for (int t0 = 0; t0 < A; ++t0)
#pragma unroll
            for (int t1 = 0; t1 < B; ++t1)
#pragma unroll
                for (int t2 = 0; t2 < C; ++t2) wr[t0][t1][t2] = wsm[(t0 * B + t1) * C + t2];
        const int span = d1 * RB;                 // rows covered by one group of row blocks
        const int pairs = ((R1 + span - 1) / span) * d1;
        for (int p = (int)threadIdx.z; p < R0; p += (int)blockDim.z) {
            for (int pr = (int)threadIdx.y; pr < pairs; pr += (int)blockDim.y) {
                const int g = pr / d1;
                const int rbase = g * span + (pr - g * d1);
                if (rbase >= R1) continue;
                for (int q = (int)threadIdx.x; q < R2; q += (int)blockDim.x) {
                    T acc[kc_row_block<KA, KB, KC>::value];
#pragma unroll
                    for (int i = 0; i < RB; ++i) acc[i] = T(0);
#pragma unroll
                    for (int t0 = 0; t0 < A; ++t0) {
#pragma unroll
                        for (int j = 0; j < RB + B - 1; ++j) {
                            const int row = rbase + j * d1;
                            if (row < S1) {
                                const T* s = src + ((long long)(p + t0 * d0) * S1 + row) * S2 + q;
#pragma unroll
                                for (int t2 = 0; t2 < C; ++t2) {
                                    const T v = s[t2 * d2];
#pragma unroll
                                    for (int i = 0; i < RB; ++i) {
                                        const int t1 = j - i;
                                        if (t1 >= 0 && t1 < B) acc[i] += wr[t0][t1 >= 0 && t1 < B ? t1 : 0][t2] * v;
                                    }
                                }
                            }
                        }
                    }
#pragma unroll
                    for (int i = 0; i < RB; ++i)
                        if (rbase + i * d1 < R1) store(p, rbase + i * d1, q, acc[i]);
                }
            }
        }
    } else {
        for (int p = (int)threadIdx.z; p < R0; p += (int)blockDim.z) {
            for (int r = (int)threadIdx.y; r < R1; r += (int)blockDim.y) {
                for (int q = (int)threadIdx.x; q < R2; q += (int)blockDim.x) {
                    T acc = T(0);
                    for (int t0 = 0; t0 < k0; ++t0) {
                        for (int t1 = 0; t1 < k1; ++t1) {
                            const T* s = src + ((long long)(p + t0 * d0) * S1 + (r + t1 * d1)) * S2 + q;
                            const T* wt = wsm + (t0 * k1 + t1) * k2;
                            for (int t2 = 0; t2 < k2; ++t2) acc += wt[t2] * s[t2 * d2];
                        }
                    }
                    store(p, r, q, acc);
                }
            }
        }
    }
}
