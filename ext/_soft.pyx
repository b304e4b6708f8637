# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
# cython: cdivision=True
"""Soft-decision kernels: real-valued vectors to the message of a best-correlated codeword.

A value y_i votes for bit 0 when positive and for bit 1 when negative; |y_i| is its
reliability. Every kernel first puts a vector on an integer grid (see ``_quantize``): the
magnitudes are scaled by a power of two that brings the largest to at most 2**bq and rounded
half to even, with n * 2**bq <= 2**52, so every sum of grid values is exact in float64 and
the result does not depend on the order of any summation. Costs are measured against the
sign word z (z_i = 1 where y_i < 0): a codeword c costs sum of |q_i| over the positions where
it disagrees with z, so the best correlation is the least cost. Among codewords of least cost
the kernels return the one whose disagreement pattern c XOR z is smallest as an n-bit integer
(position 0 most significant), the rule of complete hard decoding.

Words follow the package convention: bit i of a word integer is position n - 1 - i; messages
are written as rows of little-endian uint64 limbs of the message integer.

Tables (built by infored._kernels.soft):
- golay: tetrad positions ``tpos`` (anchor first), per coset of the sextet subcode its
  canonical codeword ``canon``, parity ``pi``, per-tetrad classes ``cls`` and pair-table
  indices ``pidx``; the pair tables ``pairs``; the tetrad masks ``tmask``.
- trellis: the syndrome ``cols[i]`` of position i < k (the parity positions have the unit
  columns of H = [P^T | I]).
"""

from libc.math cimport copysign, fabs, frexp, ldexp
from libc.stdint cimport int16_t, int32_t, uint8_t, uint32_t, uint64_t
from libc.string cimport memcpy

from _bits cimport ctz64, parity64


cdef extern from *:
    # non-aliasing lane pointers, so that the lane loops of the trellis vectorize
    ctypedef double* dptr "double * __restrict__"
    ctypedef const double* cdptr "const double * __restrict__"


ctypedef fused real_t:
    float
    double


cdef extern from *:
    """
    /* unroll-and-jam of the coset loop turns the contiguous lane loads of its second copy
       into gathers; the lane loops vectorize well without it */
    #pragma GCC optimize ("no-loop-unroll-and-jam")
    #define INFORED_ROUND_MAGIC 4503599627370496.0  /* 2**52: (x + M) - M rounds 0 <= x < 2**51 */
    #define INFORED_BIG 1.0e300
    """
    const double ROUND_MAGIC "INFORED_ROUND_MAGIC"
    const double BIG "INFORED_BIG"


cdef inline double _grid_scale(double m, int bq, double* pre) noexcept nogil:
    """The power of two 2**(bq - e) with 2**(e-1) <= m < 2**e (frexp's e), and in pre a
    second power of two for vectors so small that the scale alone would overflow."""
    cdef uint64_t bits
    cdef int e
    memcpy(&bits, &m, 8)
    e = <int>((bits >> 52) & 0x7FF)
    if e == 0:              # zero or subnormal
        frexp(m, &e)
    else:
        e -= 1022
    e = bq - e
    pre[0] = 1.0
    if e > 1000:            # two exact steps instead of one that overflows
        pre[0] = ldexp(1.0, 600)
        e -= 600
    bits = (<uint64_t>(e + 1023)) << 52
    memcpy(&m, &bits, 8)
    return m


cdef inline bint _quantize(const real_t* y, Py_ssize_t n, int bq, double* q,
                           uint8_t* z) noexcept nogil:
    """Signed grid values q (integers held in doubles) and sign bits z of one vector;
    returns whether the vector holds a NaN or an infinity (q is then meaningless)."""
    cdef Py_ssize_t i
    cdef double m = 0.0, v, pre, scale, check = 0.0
    for i in range(n):
        v = fabs(<double>y[i])
        check += v - v          # NaN as soon as one value is not finite
        if v > m:
            m = v
    scale = _grid_scale(m, bq, &pre)
    for i in range(n):
        v = (fabs(<double>y[i]) * pre) * scale
        v = (v + ROUND_MAGIC) - ROUND_MAGIC
        q[i] = copysign(v, <double>y[i])   # -0.0 for y = -0.0: still worth nothing
        z[i] = y[i] < 0
    return check != check


cdef inline double _metric_bits(const real_t* y, Py_ssize_t n, const uint8_t* c) noexcept nogil:
    """Correlation of the values with the +-1 image of codeword bits c, summed in order."""
    cdef Py_ssize_t i
    cdef double acc = 0.0
    for i in range(n):
        if c[i]:
            acc = acc - <double>y[i]
        else:
            acc = acc + <double>y[i]
    return acc


# ---------------------------------------------------------------- Golay (24, 12) and (23, 12)

cdef enum:
    BL = 16     # vectors per block: the inner loops run across a block and vectorize


cdef Py_ssize_t _golay(const real_t[:, ::1] values, int bq, const int32_t* tpos,
                       const uint32_t* canon, const uint8_t* pi, const uint8_t* cls,
                       const int16_t* offs, const uint8_t* pairs, const int32_t* npairs,
                       const uint32_t* tmask, uint64_t* out, double* metric) noexcept nogil:
    cdef Py_ssize_t base, row, i, nin = values.shape[1], nrows = values.shape[0]
    cdef double q[24]
    cdef uint8_t z[24]
    cdef uint8_t cb[24]
    cdef uint32_t zwb[BL]
    cdef double qb[24 * BL]     # the arrays ending in b hold one column per vector of a block
    cdef double Vb[48 * BL]
    cdef double Bb[384 * BL]
    cdef double valsb[128 * BL]
    cdef double bestb[BL]
    cdef double cntb[BL]
    cdef double y0, y1, y2, y3, p0, p1, q0, q1, x, w, u, mn, val, best, ev, od
    cdef int par, cnt, T, jmin, nzero, nmin
    cdef Py_ssize_t j, g, P, e, arg, v, m, t0, t1, t2, t3, o0, o1, o2, o3
    cdef uint32_t zw, c, key, bestkey, cw
    cdef const uint8_t* cg
    cdef const uint8_t* pe
    cdef Py_ssize_t ob[4 * 128]
    cdef Py_ssize_t nbad = 0
    for g in range(128):
        ob[4 * g] = offs[3 * g] * BL
        ob[4 * g + 1] = offs[3 * g + 1] * BL
        ob[4 * g + 2] = offs[3 * g + 2] * BL
        ob[4 * g + 3] = (offs[3 * g + 2] ^ 1) * BL
    base = 0
    while base < nrows:
        m = BL if nrows - base >= BL else nrows - base
        for v in range(BL):     # lanes past the end repeat the block's first vector
            row = base + (v if v < m else 0)
            if _quantize(&values[row, 0], nin, bq, q, z) and v < m:
                nbad += 1
            zw = 0
            for i in range(nin):
                zw = (zw << 1) | z[i]
                qb[i * BL + v] = q[i]
            if nin == 23:
                qb[23 * BL + v] = 0.0
                zw <<= 1
            zwb[v] = zw
        # correlations of the 8 anchor-0 patterns of every tetrad (complements negate them)
        for j in range(6):
            t0 = tpos[4 * j] * BL
            t1 = tpos[4 * j + 1] * BL
            t2 = tpos[4 * j + 2] * BL
            t3 = tpos[4 * j + 3] * BL
            for v in range(BL):
                y0 = qb[t0 + v]
                y1 = qb[t1 + v]
                y2 = qb[t2 + v]
                y3 = qb[t3 + v]
                p0 = y0 + y1
                p1 = y0 - y1
                q0 = y2 + y3
                q1 = y2 - y3
                Vb[(8 * j + 0) * BL + v] = p0 + q0
                Vb[(8 * j + 1) * BL + v] = p0 + q1
                Vb[(8 * j + 2) * BL + v] = p0 - q1
                Vb[(8 * j + 3) * BL + v] = p0 - q0
                Vb[(8 * j + 4) * BL + v] = p1 + q0
                Vb[(8 * j + 5) * BL + v] = p1 + q1
                Vb[(8 * j + 6) * BL + v] = p1 - q1
                Vb[(8 * j + 7) * BL + v] = p1 - q0
        # tetrad pairs (0, 1), (2, 3), (4, 5): best value with an even / odd number of the
        # two tetrads complemented, |Va + Vb| and |Va - Vb|
        for P in range(3):
            pe = pairs + P * 128
            for e in range(npairs[P]):
                t0 = (16 * P + pe[2 * e]) * BL
                t1 = (16 * P + 8 + pe[2 * e + 1]) * BL
                o0 = (P * 64 + e) * 2 * BL
                for v in range(BL):
                    x = Vb[t0 + v]
                    w = Vb[t1 + v]
                    Bb[o0 + v] = fabs(x + w)
                    Bb[o0 + BL + v] = fabs(x - w)
        # every coset: the best of its 32 codewords, the parity of complemented tetrads
        # being pi; offs[g, 2] already selects the third pair's value of parity pi
        for v in range(BL):
            bestb[v] = -BIG
        for g in range(128):
            o0 = ob[4 * g]
            o1 = ob[4 * g + 1]
            o2 = ob[4 * g + 2]
            o3 = ob[4 * g + 3]
            for v in range(BL):
                x = Bb[o0 + v]
                w = Bb[o0 + BL + v]
                y0 = Bb[o1 + v]
                y1 = Bb[o1 + BL + v]
                ev = x + y0
                u = w + y1
                ev = ev if ev > u else u
                od = x + y1
                u = w + y0
                od = od if od > u else u
                ev = ev + Bb[o2 + v]
                od = od + Bb[o3 + v]
                val = ev if ev > od else od
                valsb[g * BL + v] = val
                bestb[v] = val if val > bestb[v] else bestb[v]
        for v in range(BL):
            cntb[v] = 0.0
        for g in range(128):
            for v in range(BL):
                cntb[v] += 1.0 if valsb[g * BL + v] == bestb[v] else 0.0
        for v in range(m):
            row = base + v
            best = bestb[v]
            cnt = <int>cntb[v]
            arg = 0
            while arg < 127 and valsb[arg * BL + v] != best:     # NaN input: stop at 127
                arg += 1
            # the winner, and whether it is the only codeword reaching the best value
            cg = cls + 6 * arg
            c = canon[arg]
            par = pi[arg]
            mn = BIG
            jmin = 0
            nzero = 0
            for j in range(6):
                x = Vb[(8 * j + cg[j]) * BL + v]
                if x < 0:
                    c ^= tmask[j]
                    par ^= 1
                x = fabs(x)
                if x < mn:
                    mn = x
                    jmin = j
                nzero += x == 0
            if par:
                c ^= tmask[jmin]
                nmin = 0
                for j in range(6):
                    nmin += fabs(Vb[(8 * j + cg[j]) * BL + v]) == mn
                if nmin > 1:
                    cnt += 1
            elif nzero > 1:
                cnt += 1
            if cnt > 1:
                # ties: every codeword of every best coset, least disagreement pattern wins
                bestkey = 0xFFFFFFFF
                for g in range(128):
                    if valsb[g * BL + v] != best:
                        continue
                    cg = cls + 6 * g
                    for T in range(64):
                        if parity64(T) != pi[g]:
                            continue
                        val = 0.0
                        cw = canon[g]
                        for j in range(6):
                            if (T >> j) & 1:
                                val = val - Vb[(8 * j + cg[j]) * BL + v]
                                cw ^= tmask[j]
                            else:
                                val = val + Vb[(8 * j + cg[j]) * BL + v]
                        if val == best:
                            key = cw ^ zwb[v]
                            if key < bestkey:
                                bestkey = key
                                c = cw
            out[row] = c >> 12
            if metric != NULL:
                for i in range(nin):
                    cb[i] = (c >> (23 - i)) & 1
                metric[row] = _metric_bits(&values[row, 0], nin, cb)
        base += BL
    return nbad


def golay(const real_t[:, ::1] values, int bq, const int32_t[::1] tpos,
          const uint32_t[::1] canon, const uint8_t[::1] pi, const uint8_t[:, ::1] cls,
          const int16_t[:, ::1] offs, const uint8_t[:, :, ::1] pairs,
          const int32_t[::1] npairs, const uint32_t[::1] tmask, uint64_t[::1] out,
          double[::1] metric):
    """Exact ML decoding of (N, 24) or (N, 23) values; see ``_golay``. Returns the number
    of vectors holding a NaN or an infinity."""
    cdef double* mp = &metric[0] if metric.shape[0] > 0 else NULL
    cdef Py_ssize_t nbad
    with nogil:
        nbad = _golay(values, bq, &tpos[0], &canon[0], &pi[0], &cls[0, 0], &offs[0, 0],
                      &pairs[0, 0, 0], &npairs[0], &tmask[0], &out[0], mp)
    return nbad


# ---------------------------------------------------------------- syndrome trellis

cdef inline void _set_bit(uint64_t* limbs, Py_ssize_t b) noexcept nogil:
    limbs[b >> 6] |= (<uint64_t>1) << (b & 63)


cdef Py_ssize_t _trellis(const real_t[:, ::1] values, int bq, const uint32_t* cols, int r,
                         double* D, uint64_t* dec, double* q, uint8_t* z, uint8_t* cb,
                         uint64_t[:, ::1] out, double* metric) noexcept nogil:
    cdef Py_ssize_t row, i, n = values.shape[1], k = n - r, Wk = out.shape[1], nbad = 0
    cdef Py_ssize_t S = (<Py_ssize_t>1) << r, W = S >> 6 if S > 64 else 1
    cdef Py_ssize_t s, t, u, half = S >> 1
    cdef uint64_t* dw
    cdef uint64_t mask
    cdef uint32_t c, sstar, lo
    cdef int hb, take
    cdef double ai, x, y, xa, ya
    for row in range(values.shape[0]):
        nbad += _quantize(&values[row, 0], n, bq, q, z)
        for i in range(n):
            q[i] = fabs(q[i])
        sstar = 0
        for i in range(k):
            if z[i]:
                sstar ^= cols[i]
        for i in range(r):
            sstar ^= (<uint32_t>z[k + i]) << (r - 1 - i)
        # positions n-1 .. k (unit columns): each state is reached by one pattern
        D[0] = 0.0
        for s in range(1, S):
            hb = ctz64(<uint64_t>s)
            D[s] = D[s & (s - 1)] + q[n - 1 - hb]
        # positions k-1 .. 1, backwards; a position is taken only when strictly cheaper,
        # which keeps the lexicographically least pattern among equal costs
        for i in range(k - 1, 0, -1):
            c = cols[i]
            ai = q[i]
            dw = dec + i * W
            if c == 0:      # an unchecked position is never worth flipping
                for u in range(W):
                    dw[u] = 0
                continue
            hb = 31
            while not ((<uint64_t>c >> hb) & 1):
                hb -= 1
            lo = (<uint32_t>1 << hb) - 1
            if S <= 64:
                mask = 0
                for u in range(half):
                    s = ((u >> hb) << (hb + 1)) | (u & lo)
                    t = s ^ c
                    x = D[s]
                    y = D[t]
                    ya = y + ai
                    xa = x + ai
                    take = ya < x
                    D[s] = ya if take else x
                    mask |= (<uint64_t>take) << s
                    take = xa < y
                    D[t] = xa if take else y
                    mask |= (<uint64_t>take) << t
                dw[0] = mask
            else:
                for u in range(W):
                    dw[u] = 0
                for u in range(half):
                    s = ((u >> hb) << (hb + 1)) | (u & lo)
                    t = s ^ c
                    x = D[s]
                    y = D[t]
                    ya = y + ai
                    xa = x + ai
                    take = ya < x
                    D[s] = ya if take else x
                    dw[s >> 6] |= (<uint64_t>take) << (s & 63)
                    take = xa < y
                    D[t] = xa if take else y
                    dw[t >> 6] |= (<uint64_t>take) << (t & 63)
        # position 0 is only needed at the received syndrome; then trace back
        s = sstar
        take = D[s ^ cols[0]] + q[0] < D[s]
        for i in range(k):
            if i > 0:
                take = (dec[i * W + (s >> 6)] >> (s & 63)) & 1
            if take:
                s ^= cols[i]
            cb[i] = z[i] ^ take
        for i in range(r):
            cb[k + i] = z[k + i] ^ ((s >> (r - 1 - i)) & 1)
        for u in range(Wk):
            out[row, u] = 0
        for i in range(k):
            if cb[i]:
                _set_bit(&out[row, 0], k - 1 - i)
        if metric != NULL:
            metric[row] = _metric_bits(&values[row, 0], n, cb)
    return nbad


cdef enum:
    TB = 8      # vectors per block of the small-state trellis


cdef inline void _acs_lanes(dptr ds, dptr dt, cdptr xs, cdptr xt, cdptr a) noexcept nogil:
    """One pair of states (s, t = s ^ c) across the lanes: ds = min(xs, xt + a) and
    dt = min(xt, xs + a)."""
    cdef Py_ssize_t v
    cdef double x, y, xa, ya
    for v in range(TB):
        x = xs[v]
        y = xt[v]
        xa = x + a[v]
        ya = y + a[v]
        ds[v] = ya if ya < x else x
        dt[v] = xa if xa < y else y


cdef Py_ssize_t _trellis_small(const real_t[:, ::1] values, int bq, const uint32_t* cols, int r,
                               const uint32_t* syn, const int32_t* pairs, double* Dall,
                               double* ab, uint64_t[:, ::1] out, double* metric) noexcept nogil:
    """The trellis for 2**r <= 64 states and n <= 64, TB vectors at a time (lanes innermost,
    so the state updates vectorize). Dall keeps the state values after every position,
    (k, 2**r, TB) doubles; the traceback recomputes each decision from them with the same
    strict comparison the per-vector trellis stores. syn[j * 256 + b] is the syndrome of
    byte j (least significant first) of the message integer; pairs[i] lists the 2**(r-1)
    states s whose bit of the highest set bit of cols[i] is clear."""
    cdef Py_ssize_t nrows = values.shape[0], n = values.shape[1], k = n - r
    cdef Py_ssize_t S = (<Py_ssize_t>1) << r, base, row, i, s, v, m, nbad = 0
    cdef double check
    cdef uint64_t zwb[TB]
    cdef uint64_t sstb[TB]
    cdef double mx[TB]
    cdef double pre[TB]
    cdef double sc[TB]
    cdef double lane[TB]
    cdef uint8_t cb[64]
    cdef double x
    cdef uint64_t zw, sst, c, msg, take, word
    cdef Py_ssize_t u
    cdef const int32_t* pp
    cdef double* Dt
    cdef double* Dp
    cdef double* Dn
    cdef double* src
    cdef double* dst
    cdef double* a
    base = 0
    while base < nrows:
        m = TB if nrows - base >= TB else nrows - base
        for v in range(TB):     # lanes past the end repeat the block's first vector
            row = base + (v if v < m else 0)
            zw = 0
            check = 0.0
            for i in range(n):
                x = <double>values[row, i]
                check += x - x      # NaN as soon as one value is not finite
                ab[i * TB + v] = fabs(x)
                zw = (zw << 1) | (x < 0)
            zwb[v] = zw
            nbad += check != check and v < m
            sst = zw & <uint64_t>(S - 1)
            msg = zw >> r
            i = 0
            while msg:
                sst ^= syn[i * 256 + (msg & 255)]
                msg >>= 8
                i += 1
            sstb[v] = sst
        for v in range(TB):
            mx[v] = 0.0
        for i in range(n):
            for v in range(TB):
                x = ab[i * TB + v]
                mx[v] = x if x > mx[v] else mx[v]
        for v in range(TB):
            sc[v] = _grid_scale(mx[v], bq, &pre[v])
        for i in range(n):
            for v in range(TB):
                x = (ab[i * TB + v] * pre[v]) * sc[v]
                ab[i * TB + v] = (x + ROUND_MAGIC) - ROUND_MAGIC
        # positions n-1 .. k: subset sums; then k-1 .. 1 backwards
        Dt = Dall + (k - 1) * S * TB
        for v in range(TB):
            Dt[v] = 0.0
        for s in range(1, S):
            src = Dt + (s & (s - 1)) * TB
            a = ab + (n - 1 - ctz64(<uint64_t>s)) * TB
            dst = Dt + s * TB
            for v in range(TB):
                lane[v] = src[v] + a[v]
            for v in range(TB):
                dst[v] = lane[v]
        for i in range(k - 1, 0, -1):
            Dp = Dall + i * S * TB
            Dn = Dall + (i - 1) * S * TB
            c = cols[i]
            a = ab + i * TB
            if c == 0:      # an unchecked position is never worth flipping
                memcpy(Dn, Dp, S * TB * sizeof(double))
                continue
            pp = pairs + i * (S >> 1)
            for u in range(S >> 1):     # state pairs s, s ^ c
                s = pp[u]
                _acs_lanes(Dn + s * TB, Dn + (s ^ c) * TB, Dp + s * TB, Dp + (s ^ c) * TB, a)
        for v in range(m):
            row = base + v
            s = sstb[v]
            zw = zwb[v]
            msg = 0
            Dp = Dall + v
            for i in range(k):
                c = cols[i]
                take = Dp[(s ^ c) * TB] + ab[i * TB + v] < Dp[s * TB]
                s ^= c & (0 - take)
                msg = (msg << 1) | take
                Dp += S * TB
            msg ^= zw >> r
            out[row, 0] = msg
            if metric != NULL:
                word = (msg << r) | ((zw ^ s) & <uint64_t>(S - 1))
                for i in range(n):
                    cb[i] = (word >> (n - 1 - i)) & 1
                metric[row] = _metric_bits(&values[row, 0], n, cb)
        base += TB
    return nbad


def trellis_small(const real_t[:, ::1] values, int bq, const uint32_t[::1] cols, int r,
                  const uint32_t[::1] syn, const int32_t[:, ::1] pairs, double[::1] Dall,
                  double[::1] ab, uint64_t[:, ::1] out, double[::1] metric):
    """The trellis for 2**r <= 64 and n <= 64; scratch Dall (k * 2**r * TB), ab (n * TB).
    Returns the number of vectors holding a NaN or an infinity."""
    cdef double* mp = &metric[0] if metric.shape[0] > 0 else NULL
    cdef Py_ssize_t nbad
    with nogil:
        nbad = _trellis_small(values, bq, &cols[0], r, &syn[0], &pairs[0, 0], &Dall[0], &ab[0],
                              out, mp)
    return nbad


#: Vectors per block of ``trellis_small`` (its scratch sizes are multiples of it).
TRELLIS_BLOCK = TB


def trellis(const real_t[:, ::1] values, int bq, const uint32_t[::1] cols, int r,
            double[::1] D, uint64_t[::1] dec, double[::1] q, uint8_t[::1] z, uint8_t[::1] cb,
            uint64_t[:, ::1] out, double[::1] metric):
    """Exact ML decoding on the syndrome trellis; scratch D (2**r), dec (k * max(1, 2**r / 64)),
    q (n), z (n), cb (n) is caller-allocated. Returns the number of vectors holding a NaN or an
    infinity."""
    cdef double* mp = &metric[0] if metric.shape[0] > 0 else NULL
    cdef Py_ssize_t nbad
    with nogil:
        nbad = _trellis(values, bq, &cols[0], r, &D[0], &dec[0], &q[0], &z[0], &cb[0], out, mp)
    return nbad


# ---------------------------------------------------------------- Chase

cdef Py_ssize_t _chase_tests(const real_t[:, ::1] values, int bq, int p, double* q, uint8_t* z,
                             uint64_t[:, :, ::1] out) noexcept nogil:
    cdef Py_ssize_t row, i, n = values.shape[1], W = out.shape[2], T = out.shape[1], t
    cdef Py_ssize_t pos[64]
    cdef Py_ssize_t nbad = 0
    cdef Py_ssize_t b, m, j, bit
    cdef double a
    for row in range(values.shape[0]):
        nbad += _quantize(&values[row, 0], n, bq, q, z)
        # the p least reliable positions, by (|q|, position)
        m = 0
        for i in range(n if p > 0 else 0):
            a = fabs(q[i])
            if m == p and a >= fabs(q[pos[p - 1]]):
                continue
            j = m if m < p else p - 1
            while j > 0 and fabs(q[pos[j - 1]]) > a:
                pos[j] = pos[j - 1]
                j -= 1
            pos[j] = i
            if m < p:
                m += 1
        for b in range(W):
            out[row, 0, b] = 0
        for i in range(n):
            if z[i]:
                _set_bit(&out[row, 0, 0], n - 1 - i)
        for t in range(1, T):
            for b in range(W):
                out[row, t, b] = out[row, 0, b]
            for j in range(p):
                if (t >> j) & 1:
                    bit = n - 1 - pos[j]
                    out[row, t, bit >> 6] ^= (<uint64_t>1) << (bit & 63)
    return nbad


def chase_tests(const real_t[:, ::1] values, int bq, int p, double[::1] q, uint8_t[::1] z,
                uint64_t[:, :, ::1] out):
    """Test words: the sign word with every subset of its p least reliable positions flipped.
    Returns the number of vectors holding a NaN or an infinity."""
    cdef Py_ssize_t nbad
    with nogil:
        nbad = _chase_tests(values, bq, p, &q[0], &z[0], out)
    return nbad


cdef void _chase_pick(const real_t[:, ::1] values, int bq, const uint64_t[:, :, ::1] words,
                      const uint64_t[:, :, ::1] msgs, double* q, uint8_t* z, uint64_t* zl,
                      uint8_t* cb, uint64_t[:, ::1] out, double* metric) noexcept nogil:
    cdef Py_ssize_t row, i, n = values.shape[1], W = words.shape[2], T = words.shape[1]
    cdef Py_ssize_t Wk = msgs.shape[2], t, b, best_t
    cdef uint64_t d
    cdef double cost, best
    cdef int cmp
    for row in range(values.shape[0]):
        _quantize(&values[row, 0], n, bq, q, z)
        for b in range(W):
            zl[b] = 0
        for i in range(n):
            if z[i]:
                _set_bit(zl, n - 1 - i)
        best = BIG
        best_t = 0
        for t in range(T):
            cost = 0.0
            for b in range(W):
                d = words[row, t, b] ^ zl[b]
                while d:
                    cost += fabs(q[n - 1 - (64 * b + ctz64(d))])
                    d &= d - 1
            if cost > best:
                continue
            if cost == best:
                cmp = 0
                b = W - 1
                while b >= 0 and cmp == 0:
                    if (words[row, t, b] ^ zl[b]) < (words[row, best_t, b] ^ zl[b]):
                        cmp = -1
                    elif (words[row, t, b] ^ zl[b]) > (words[row, best_t, b] ^ zl[b]):
                        cmp = 1
                    b -= 1
                if cmp >= 0:
                    continue
            best = cost
            best_t = t
        for b in range(Wk):
            out[row, b] = msgs[row, best_t, b]
        if metric != NULL:
            for i in range(n):
                b = n - 1 - i
                cb[i] = (words[row, best_t, b >> 6] >> (b & 63)) & 1
            metric[row] = _metric_bits(&values[row, 0], n, cb)


def chase_pick(const real_t[:, ::1] values, int bq, const uint64_t[:, :, ::1] words,
               const uint64_t[:, :, ::1] msgs, double[::1] q, uint8_t[::1] z, uint64_t[::1] zl,
               uint8_t[::1] cb, uint64_t[:, ::1] out, double[::1] metric):
    """Pick, per vector, the candidate codeword of least cost (ties: least pattern)."""
    cdef double* mp = &metric[0] if metric.shape[0] > 0 else NULL
    with nogil:
        _chase_pick(values, bq, words, msgs, &q[0], &z[0], &zl[0], &cb[0], out, mp)
