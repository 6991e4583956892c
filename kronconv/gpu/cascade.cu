// kronconv/gpu/cascade.cu -- the whole L-layer dilated cascade of one channel in one launch.
//
// Layer l correlates with kernel w_l (sizes k_l) dilated by d_l, valid mode, stride 1:
//
//   y_{l+1}[i] = sum_t w_l[t] * y_l[i + t * d_l],     y_0 = x,  per axis,
//
// the cascade whose composite is the Kronecker kernel (dilations a^l: w_{L-1} (x) ... (x) w_0).
// A block owns a B0 x B1 x B2 tile of the final output of one batch item.  It loads the input it
// needs -- the tile plus the total halo H = sum_l d_l (k_l - 1) per axis -- into shared memory once,
// then evaluates the layers in shared memory, ping-ponging between two buffers (layer l reads a
// tile of B + sum_{j >= l} d_j (k_j - 1) points and writes one of B + sum_{j > l} d_j (k_j - 1)),
// and writes only the last layer to global memory.  Intermediate layers never touch global memory;
// the halo points of intermediate layers are recomputed by neighbouring blocks (the host reports
// that recompute factor, and falls back to one launch per layer when the buffers do not fit).
// Every intermediate value is rounded to T exactly as a layer-by-layer evaluation rounds it, so
// the layer-by-layer error bound (kronconv.numeric.cascade_with_bound) holds unchanged.
//
// Spatial axes are normalised to three by adding size-1 axes in front (axis 2 is contiguous).
// geo[] holds, as 64-bit integers:
//   0 N, 1 L, 2..4 n (input sizes), 5..7 m (final output sizes), 8..10 B (final output tile),
//   11 tiles along axis 0, 12 total taps of all layers, 13 capacity of buffer A (elements),
//   then for layer l at 16 + 8 l: k0, k1, k2, d0, d1, d2, offset of its taps in w[], 0.
// w[] holds the layers' kernels one after the other, each C-contiguous (k0, k1, k2).
// Launch: grid (ceil(m2 / B2), ceil(m1 / B1), any z), block (tx, ty, tz) of at most 256 threads.  Dynamic
// shared memory: sizeof(T) * (round4(taps) + round4(prod(S_0)) + prod(S_1)), S_l the tile of layer l.
// Template parameters: T and compile-time kernel sizes KA, KB, KC shared by every layer (0 = run time).

#include "kc_tile.cuh"

template <typename T, int KA, int KB, int KC>
__global__ void __launch_bounds__(256, 2) kron_cascade_fused(const T* __restrict__ x, const T* __restrict__ w, T* __restrict__ y,
                                   const long long* __restrict__ geo) {
    KC_DYNAMIC_SHARED(T, smem);
    const long long N = geo[0];
    const int L = (int)geo[1];
    const long long n0 = geo[2], n1 = geo[3], n2 = geo[4];
    const long long m0 = geo[5], m1 = geo[6], m2 = geo[7];
    const int B0 = (int)geo[8], B1 = (int)geo[9], B2 = (int)geo[10];
    const long long tiles0 = geo[11];
    const int wtotal = (int)geo[12];
    const long long capA = geo[13];
    const int nthreads = (int)(blockDim.x * blockDim.y * blockDim.z);
    const int tid = (int)((threadIdx.z * blockDim.y + threadIdx.y) * blockDim.x + threadIdx.x);
    T* ws = smem;
    T* bufA = smem + ((wtotal + 3) & ~3);
    T* bufB = bufA + ((capA + 3) & ~3);

    int H0 = 0, H1 = 0, H2 = 0;  // total halo per axis
    for (int l = 0; l < L; ++l) {
        const long long* g = geo + 16 + 8 * l;
        H0 += (int)(g[3] * ((KA > 0 ? KA : g[0]) - 1));
        H1 += (int)(g[4] * ((KB > 0 ? KB : g[1]) - 1));
        H2 += (int)(g[5] * ((KC > 0 ? KC : g[2]) - 1));
    }
    const long long in_plane = n0 * n1 * n2, out_plane = m0 * m1 * m2;
    const long long o1 = (long long)blockIdx.y * B1, o2 = (long long)blockIdx.x * B2;

    for (int i = tid; i < wtotal; i += nthreads) ws[i] = w[i];
    for (long long z = blockIdx.z; z < N * tiles0; z += gridDim.z) {
        const long long b = z / tiles0;
        const long long o0 = (z % tiles0) * B0;
        const T* xb = x + b * in_plane;
        int S0 = B0 + H0, S1 = B1 + H1, S2 = B2 + H2;  // extents of the current layer's input tile
        __syncthreads();  // weights are in; the previous iteration is done with the buffers
        for (int p = (int)threadIdx.z; p < S0; p += (int)blockDim.z) {
            const long long j0 = o0 + p;
            for (int r = (int)threadIdx.y; r < S1; r += (int)blockDim.y) {
                const long long j1 = o1 + r;
                const bool in01 = j0 < n0 && j1 < n1;
                const T* xrow = xb + (j0 * n1 + j1) * n2;
                T* trow = bufA + ((long long)p * S1 + r) * S2;
                for (int q = (int)threadIdx.x; q < S2; q += (int)blockDim.x) {
                    const bool ok = in01 && o2 + q < n2;
                    kc_load_async(trow + q, ok ? xrow + o2 + q : xb, ok);
                }
            }
        }
        kc_load_wait();
        __syncthreads();
        for (int l = 0; l < L; ++l) {
            const long long* g = geo + 16 + 8 * l;
            const int k0 = KA > 0 ? KA : (int)g[0], k1 = KB > 0 ? KB : (int)g[1], k2 = KC > 0 ? KC : (int)g[2];
            const int d0 = (int)g[3], d1 = (int)g[4], d2 = (int)g[5];
            const T* wl = ws + g[6];
            const T* src = (l % 2 == 0) ? bufA : bufB;
            T* dst = (l % 2 == 0) ? bufB : bufA;
            const int R0 = S0 - d0 * (k0 - 1), R1 = S1 - d1 * (k1 - 1), R2 = S2 - d2 * (k2 - 1);
            if (l < L - 1) {
                kc_tile_correlate<T, KA, KB, KC>(src, S1, S2, R0, R1, R2, d0, d1, d2, wl, k0, k1, k2,
                    [&](int p, int r, int q, T v) { dst[((long long)p * R1 + r) * R2 + q] = v; });
            } else {
                const int F0 = (int)(m0 - o0 < R0 ? m0 - o0 : R0);
                const int F1 = (int)(m1 - o1 < R1 ? m1 - o1 : R1);
                const int F2 = (int)(m2 - o2 < R2 ? m2 - o2 : R2);
                T* yb = y + b * out_plane;
                kc_tile_correlate<T, KA, KB, KC>(src, S1, S2, F0, F1, F2, d0, d1, d2, wl, k0, k1, k2,
                    [&](int p, int r, int q, T v) { yb[((o0 + p) * m1 + (o1 + r)) * m2 + (o2 + q)] = v; });
            }
            S0 = R0; S1 = R1; S2 = R2;
            __syncthreads();
        }
    }
}
