// kronconv/gpu/correlate.cu -- direct dilated, strided, grouped cross-correlation.
//
// One thread per output element (grid-stride loop); each thread sums over the
// input channels of its group and over the kernel taps.  Spatial axes are
// normalised to three: an unused axis has size 1, kernel 1, dilation 1,
// stride 1 and padding 0.  Semantics mirror kronconv.numeric.correlate exactly:
//
//   y[b, o, i] = sum_{ci < Cg} sum_t w[o, ci, t] * xpad[b, g(o) * Cg + ci, i * s + t * d]
//
// per axis, where xpad[j] = x[j - lo] when 0 <= j - lo < n, else 0 (zeros
// boundary) or x[(j - lo) mod n] (circular boundary), and g(o) = o / (Cout / groups).
// Layouts are C-contiguous: x (N, Cin, n0, n1, n2), w (Cout, Cin / groups, k0, k1, k2),
// y (N, Cout, m0, m1, m2).  Convolution is this kernel applied to the flipped
// weight (flipped on the host).
//
// geo[] holds, as 64-bit integers:
//   0 N, 1 Cin, 2 Cout, 3 groups, 4 circular (0/1),
//   5..7 n (input sizes), 8..10 m (output sizes), 11..13 k (kernel sizes),
//   14..16 d (dilations), 17..19 s (strides), 20..22 lo (padding before each axis).
//
// The element type T is a template parameter, instantiated for float and double
// through RawModule name_expressions ("dilated_correlate<float>", "<double>").
// Accumulation is in T, in the order (channel, tap0, tap1, tap2); the compiler
// may fuse multiply and add -- the error bound gamma_n * sum |w| |x| of
// kronconv.numeric holds for any order, fused or not.

__device__ __forceinline__ bool kc_map_index(long long& i, const long long n, const bool circular) {
    if (circular) {
        i %= n;
        if (i < 0) i += n;
        return true;
    }
    return i >= 0 && i < n;
}

template <typename T>
__global__ void dilated_correlate(const T* __restrict__ x, const T* __restrict__ w, T* __restrict__ y,
                                  const long long* __restrict__ geo, const long long total) {
    const long long Cin = geo[1], Cout = geo[2], groups = geo[3];
    const bool circular = geo[4] != 0;
    const long long n0 = geo[5], n1 = geo[6], n2 = geo[7];
    const long long m0 = geo[8], m1 = geo[9], m2 = geo[10];
    const long long k0 = geo[11], k1 = geo[12], k2 = geo[13];
    const long long d0 = geo[14], d1 = geo[15], d2 = geo[16];
    const long long s0 = geo[17], s1 = geo[18], s2 = geo[19];
    const long long p0 = geo[20], p1 = geo[21], p2 = geo[22];
    const long long Cg = Cin / groups, Og = Cout / groups;
    const long long in_plane = n0 * n1 * n2, taps = k0 * k1 * k2;

    for (long long idx = (long long)blockIdx.x * blockDim.x + threadIdx.x; idx < total;
         idx += (long long)blockDim.x * gridDim.x) {
        long long r = idx;
        const long long o2 = r % m2; r /= m2;
        const long long o1 = r % m1; r /= m1;
        const long long o0 = r % m0; r /= m0;
        const long long co = r % Cout;
        const long long b = r / Cout;
        const long long grp = co / Og;

        T acc = T(0);
        for (long long ci = 0; ci < Cg; ++ci) {
            const T* xc = x + (b * Cin + grp * Cg + ci) * in_plane;
            const T* wc = w + (co * Cg + ci) * taps;
            for (long long t0 = 0; t0 < k0; ++t0) {
                long long i0 = o0 * s0 + t0 * d0 - p0;
                if (!kc_map_index(i0, n0, circular)) continue;
                for (long long t1 = 0; t1 < k1; ++t1) {
                    long long i1 = o1 * s1 + t1 * d1 - p1;
                    if (!kc_map_index(i1, n1, circular)) continue;
                    for (long long t2 = 0; t2 < k2; ++t2) {
                        long long i2 = o2 * s2 + t2 * d2 - p2;
                        if (!kc_map_index(i2, n2, circular)) continue;
                        acc += wc[(t0 * k1 + t1) * k2 + t2] * xc[(i0 * n1 + i1) * n2 + i2];
                    }
                }
            }
        }
        y[idx] = acc;
    }
}
