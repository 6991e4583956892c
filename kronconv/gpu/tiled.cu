// kronconv/gpu/tiled.cu -- single-channel and depthwise dilated correlation through shared-memory tiles.
//
// Each block owns an output tile of B0 x B1 x B2 points of one (batch, channel) plane and stages the
// input it needs -- the tile plus a halo of e - 1 = d (k - 1) points per axis -- in shared memory
// once, with rows read along the contiguous axis (coalesced); every tap then reads shared memory.
// Each input element is therefore read from global memory once per block, and once overall up to
// the halo overlap between neighbouring blocks (which the L2 cache serves).  Tile loads are
// asynchronous copies (cp.async, kc_tile.cuh) so each thread keeps all of its loads in flight.
//
//   y[b, c, i] = sum_t w[c, 0, t] * xpad[b, c, i + t * d]          (stride 1, per axis)
//
// with xpad[j] = x[j - lo] inside the input, else 0 (zeros boundary) or x[(j - lo) mod n]
// (circular boundary): exactly kronconv.numeric.correlate with groups = C_in = C_out (depthwise;
// C = 1 is the single-channel case).  Spatial axes are normalised to three by adding size-1 axes
// in FRONT (1-D: (1, 1, n); 2-D: (1, n0, n1)), so axis 2 is always the contiguous one.
//
// geo[] holds, as 64-bit integers:
//   0 N, 1 C, 2 circular (0/1), 3..5 n (input sizes), 6..8 m (output sizes),
//   9..11 k (kernel sizes), 12..14 d (dilations), 15..17 lo (padding before each axis),
//   18..20 B (output tile per axis), 21 tiles along axis 0.
// Launch: grid (ceil(m2 / B2), ceil(m1 / B1), any z), block (tx, ty, tz) of at most 256 threads
// (compiled for four resident blocks per multiprocessor in float, two in double); the z index
// of the grid walks (batch, channel, axis-0 tile) in a grid-stride loop.  Dynamic shared memory:
// sizeof(T) * (taps rounded up to a multiple of 4 + prod(B + e - 1)).
//
// Template parameters: the element type T (float, double) and compile-time kernel sizes KA, KB,
// KC for axes 0, 1, 2 (0 = read from geo[] at run time); "dilated_tiled<float, 1, 3, 3>" is the
// unrolled 3 x 3 instantiation, with the weights in registers and four outputs per thread
// (kc_tile.cuh).  Accumulation is in T in the order (tap0, tap1, tap2): the bound
// gamma_n * sum |w| |x| of kronconv.numeric holds for any order, fused multiply-add or not.

#include "kc_tile.cuh"

__device__ __forceinline__ long long kc_wrap(long long j, const long long n) {
    j %= n;
    return j < 0 ? j + n : j;
}

template <typename T, int KA, int KB, int KC>
__global__ void __launch_bounds__(256, sizeof(T) == 4 ? 4 : 2) dilated_tiled(const T* __restrict__ x, const T* __restrict__ w, T* __restrict__ y,
                              const long long* __restrict__ geo) {
    KC_DYNAMIC_SHARED(T, smem);
    const long long N = geo[0], C = geo[1];
    const bool circular = geo[2] != 0;
    const long long n0 = geo[3], n1 = geo[4], n2 = geo[5];
    const long long m0 = geo[6], m1 = geo[7], m2 = geo[8];
    const int k0 = KA > 0 ? KA : (int)geo[9];
    const int k1 = KB > 0 ? KB : (int)geo[10];
    const int k2 = KC > 0 ? KC : (int)geo[11];
    const int d0 = (int)geo[12], d1 = (int)geo[13], d2 = (int)geo[14];
    const long long lo0 = geo[15], lo1 = geo[16], lo2 = geo[17];
    const int B0 = (int)geo[18], B1 = (int)geo[19], B2 = (int)geo[20];
    const long long tiles0 = geo[21];
    const int I0 = B0 + d0 * (k0 - 1), I1 = B1 + d1 * (k1 - 1), I2 = B2 + d2 * (k2 - 1);
    const int taps = k0 * k1 * k2;
    const int nthreads = (int)(blockDim.x * blockDim.y * blockDim.z);
    const int tid = (int)((threadIdx.z * blockDim.y + threadIdx.y) * blockDim.x + threadIdx.x);
    T* ws = smem;
    T* tile = smem + ((taps + 3) & ~3);
    const long long in_plane = n0 * n1 * n2, out_plane = m0 * m1 * m2;
    const long long o1 = (long long)blockIdx.y * B1, o2 = (long long)blockIdx.x * B2;
    const long long planes = N * C * tiles0;

    for (long long z = blockIdx.z; z < planes; z += gridDim.z) {
        const long long plane = z / tiles0;  // b * C + c
        const long long c = plane % C;
        const long long o0 = (z % tiles0) * B0;
        const T* xc = x + plane * in_plane;
        __syncthreads();  // the previous iteration's readers are done with the tile
        for (int i = tid; i < taps; i += nthreads) ws[i] = w[c * taps + i];
        for (int p = (int)threadIdx.z; p < I0; p += (int)blockDim.z) {
            long long j0 = o0 + p - lo0;
            bool in0 = j0 >= 0 && j0 < n0;
            if (circular) { j0 = kc_wrap(j0, n0); in0 = true; }
            for (int r = (int)threadIdx.y; r < I1; r += (int)blockDim.y) {
                long long j1 = o1 + r - lo1;
                bool in1 = in0 && j1 >= 0 && j1 < n1;
                if (circular) { j1 = kc_wrap(j1, n1); in1 = true; }
                const T* xrow = xc + (j0 * n1 + j1) * n2;
                T* trow = tile + ((long long)p * I1 + r) * I2;
                for (int q = (int)threadIdx.x; q < I2; q += (int)blockDim.x) {
                    long long j2 = o2 + q - lo2;
                    bool in2 = in1 && j2 >= 0 && j2 < n2;
                    if (circular) { j2 = kc_wrap(j2, n2); in2 = true; }
                    kc_load_async(trow + q, in2 ? xrow + j2 : xc, in2);
                }
            }
        }
        kc_load_wait();
        __syncthreads();
        T* yc = y + plane * out_plane;
        const int R0 = (int)(m0 - o0 < B0 ? m0 - o0 : B0);
        const int R1 = (int)(m1 - o1 < B1 ? m1 - o1 : B1);
        const int R2 = (int)(m2 - o2 < B2 ? m2 - o2 : B2);
        kc_tile_correlate<T, KA, KB, KC>(tile, I1, I2, R0, R1, R2, d0, d1, d2, ws, k0, k1, k2,
            [&](int p, int r, int q, T v) { yc[((o0 + p) * m1 + (o1 + r)) * m2 + (o2 + q)] = v; });
    }
}
