# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
# cython: cdivision=True
"""Bounded-distance decoding of binary BCH codes (Berlekamp-Massey, closed-form roots, Chien).

Words are integers P = sum_i b_i 2^(n-1-i); bit d of P is the coefficient of x^d of the word
polynomial, so position i is degree n - 1 - i and a shortened code keeps degrees 0 .. n-1 of
the code of length 2^m - 1.  The error locator of an error at degree d is alpha^d.

Tables (built by infored._kernels.bch):
- exp: alpha^i for 0 <= i < 2N (N = 2^m - 1), so exp[log a + log b] needs no reduction.
- log: discrete logarithm of every nonzero element (log[0] is unused).
- qsol: for each c, a root y of y^2 + y = c, or 0 when there is none (c != 0).
- syntab: the odd syndromes S_1, S_3, .., S_(2t-1) contributed by every value of every byte of
  a word, byte b at rows b*256 .. b*256+255; each row holds L = ceil(t / 4) uint64 with four
  16-bit lanes, S_(2j+1) in lane j % 4 of limb j // 4.

Every success is verified before it is reported: the locator has exactly deg = L <= t distinct
roots, all at degrees below n, and the power sums of the error pattern equal S_1 .. S_(2t-1)
(the even ones follow by squaring), so a decoded word is a codeword within distance t of the
input.  Anything else reports -1 and leaves the word as received.
"""

from libc.stdint cimport int16_t, int32_t, uint16_t, uint64_t

from _bits cimport msg_t, word_t


cdef extern from *:
    """
    static inline int infored_msb32(unsigned int x) { return 31 - __builtin_clz(x); }
    """
    int msb32 "infored_msb32"(unsigned int x) noexcept nogil


ctypedef struct Code:
    const uint16_t* exp
    const uint16_t* log
    const uint16_t* qsol
    const uint64_t* syntab
    int m
    int N
    int n
    int t
    int L
    int* scratch      # 12 * (t + 2) ints
    uint64_t* acc     # L limbs


cdef enum:
    SCRATCH_PER_T = 12


def scratch_size(int t):
    """Ints of scratch one call needs for a code correcting t errors."""
    return SCRATCH_PER_T * (t + 2)


# ---------------------------------------------------------------- field arithmetic

cdef inline int gmul(const Code* c, int a, int b) noexcept nogil:
    if a == 0 or b == 0:
        return 0
    return c.exp[c.log[a] + c.log[b]]


cdef inline int gdiv(const Code* c, int a, int b) noexcept nogil:
    """a / b for b != 0."""
    if a == 0:
        return 0
    return c.exp[c.log[a] + c.N - c.log[b]]


cdef inline int gsq(const Code* c, int a) noexcept nogil:
    if a == 0:
        return 0
    return c.exp[2 * c.log[a]]


cdef inline int gsqrt(const Code* c, int a) noexcept nogil:
    cdef int e
    if a == 0:
        return 0
    e = c.log[a]
    if e & 1:
        e += c.N
    return c.exp[e >> 1]


# ---------------------------------------------------------------- syndromes

cdef inline bint _syndromes(const Code* c, const uint64_t* word, int nbytes,
                            int* S) noexcept nogil:
    """S[1 .. 2t-1] of the word; returns False when all are zero (a codeword)."""
    cdef int b, j, q, L = c.L, t = c.t
    cdef uint64_t a0 = 0, nz = 0
    cdef const uint64_t* row
    cdef uint64_t* acc = c.acc
    if L == 1:
        for b in range(nbytes):
            a0 ^= c.syntab[(b << 8) | <int>((word[b >> 3] >> ((b & 7) << 3)) & 0xFF)]
        if a0 == 0:
            return False
        for j in range(t):
            S[2 * j + 1] = <int>((a0 >> (j << 4)) & 0xFFFF)
    else:
        for q in range(L):
            acc[q] = 0
        for b in range(nbytes):
            row = c.syntab + ((b << 8) | <int>((word[b >> 3] >> ((b & 7) << 3)) & 0xFF)) * L
            for q in range(L):
                acc[q] ^= row[q]
        for q in range(L):
            nz |= acc[q]
        if nz == 0:
            return False
        for j in range(t):
            S[2 * j + 1] = <int>((acc[j >> 2] >> ((j & 3) << 4)) & 0xFFFF)
    for j in range(2, 2 * t, 2):
        S[j] = gsq(c, S[j >> 1])
    return True


# ---------------------------------------------------------------- Berlekamp-Massey

cdef int _berlekamp_massey(const Code* c, const int* S, int* C, int* B, int* T) noexcept nogil:
    """Binary Berlekamp-Massey on S[1 .. 2t-1]; C[0 .. t] receives the connection polynomial.

    Returns the LFSR length L, or -1 as soon as it exceeds t.  The discrepancy of every
    even-indexed syndrome is zero for binary codes (S_2j = S_j^2), so only the odd steps run.
    """
    cdef int t = c.t, N = c.N, i, step, L = 0, shift = 1, b = 1, d, lcoef, new_len, lim
    cdef int* tmp
    for i in range(t + 1):
        C[i] = 0
        B[i] = 0
    C[0] = 1
    B[0] = 1
    for step in range(0, 2 * t, 2):
        d = S[step + 1]
        for i in range(1, L + 1):
            if C[i] and S[step + 1 - i]:
                d ^= c.exp[c.log[C[i]] + c.log[S[step + 1 - i]]]
        if d:
            lcoef = c.log[d] + N - c.log[b]
            if lcoef >= N:
                lcoef -= N
            lim = t + 1 - shift
            if 2 * L <= step:
                new_len = step + 1 - L
                if new_len > t:
                    return -1
                for i in range(t + 1):
                    T[i] = C[i]
                for i in range(lim):
                    if B[i]:
                        C[i + shift] ^= c.exp[lcoef + c.log[B[i]]]
                L = new_len
                tmp = B
                B = T
                T = tmp
                b = d
                shift = 1
            else:
                for i in range(lim):
                    if B[i]:
                        C[i + shift] ^= c.exp[lcoef + c.log[B[i]]]
                shift += 1
        else:
            shift += 1
        shift += 1  # the skipped odd step
    return L


# ---------------------------------------------------------------- roots

cdef int _affine4(const Code* c, int e2, int e1, int rhs, int* sol) noexcept nogil:
    """Solve X^4 + e2 X^2 + e1 X = rhs (a GF(2)-affine equation); returns 4 and writes the
    solutions when there are exactly four, else their number (0, 1 or 2) without them."""
    cdef int basis[16]
    cdef int comb[16]
    cdef int ker[2]
    cdef int i, v, cb, h, nker = 0, m = c.m
    cdef int le2 = c.log[e2] if e2 else -1
    cdef int le1 = c.log[e1] if e1 else -1
    for i in range(m):
        basis[i] = 0
    for i in range(m):
        v = c.exp[4 * i]
        if le2 >= 0:
            v ^= c.exp[le2 + 2 * i]
        if le1 >= 0:
            v ^= c.exp[le1 + i]
        cb = 1 << i
        while v:
            h = msb32(v)
            if basis[h] == 0:
                basis[h] = v
                comb[h] = cb
                break
            v ^= basis[h]
            cb ^= comb[h]
        if v == 0:
            if nker == 2:  # impossible for a nonzero degree-4 linearised polynomial
                return 0
            ker[nker] = cb
            nker += 1
    v = rhs
    cb = 0
    while v:
        h = msb32(v)
        if basis[h] == 0:
            return 0
        v ^= basis[h]
        cb ^= comb[h]
    if nker != 2:
        return 1 << nker
    sol[0] = cb
    sol[1] = cb ^ ker[0]
    sol[2] = cb ^ ker[1]
    sol[3] = cb ^ ker[0] ^ ker[1]
    return 4


cdef int _cubic(const Code* c, int a, int b, int d, int* X) noexcept nogil:
    """Three distinct roots of X^3 + a X^2 + b X + d, or -1.

    (X + a) times the cubic is the affine quartic X^4 + (a^2 + b) X^2 + (ab + d) X = ad, whose
    four distinct solutions are a and the three roots.
    """
    cdef int sol[4]
    cdef int i, j = 0
    if _affine4(c, gsq(c, a) ^ b, gmul(c, a, b) ^ d, gmul(c, a, d), sol) != 4:
        return -1
    for i in range(4):
        if sol[i] != a:
            if j == 3:
                return -1
            X[j] = sol[i]
            j += 1
    return 3 if j == 3 else -1


cdef int _quartic(const Code* c, int a, int b, int cc, int d, int* X) noexcept nogil:
    """Four distinct roots of X^4 + a X^3 + b X^2 + cc X + d (d != 0), or -1."""
    cdef int sol[4]
    cdef int i, s, e
    if a == 0:
        if _affine4(c, b, cc, d, sol) != 4:
            return -1
        for i in range(4):
            X[i] = sol[i]
        return 4
    # X = Y + s with s^2 = cc / a removes the linear term; then Z = 1 / Y gives an affine
    # quartic in Z.
    s = gsqrt(c, gdiv(c, cc, a))
    e = gsq(c, gsq(c, s)) ^ gmul(c, a, gmul(c, s, gsq(c, s))) ^ gmul(c, b, gsq(c, s)) \
        ^ gmul(c, cc, s) ^ d
    if e == 0:
        # P(s) = (r1 + r2)(r1 + r3)(r1 + r4) when s = r1: only a repeated root makes it vanish
        return -1
    if _affine4(c, gdiv(c, gmul(c, a, s) ^ b, e), gdiv(c, a, e), gdiv(c, 1, e), sol) != 4:
        return -1
    for i in range(4):
        X[i] = gdiv(c, 1, sol[i]) ^ s
    return 4


cdef bint _splits(const Code* c, const int* C, int nu, int* h, int* g, int* lp) noexcept nogil:
    """Whether P(X) = X^nu + C1 X^(nu-1) + .. + C_nu divides X^(2^m) - X, i.e. has nu distinct
    roots in GF(2^m): m squarings of X modulo P."""
    cdef int i, _step, dg, coef, lc
    for i in range(1, nu + 1):
        lp[i] = c.log[C[i]] if C[i] else -1
    for i in range(nu):
        h[i] = 0
    h[1] = 1
    for _step in range(c.m):
        for i in range(2 * nu - 1):
            g[i] = 0
        for i in range(nu):
            if h[i]:
                g[2 * i] = c.exp[2 * c.log[h[i]]]
        for dg in range(2 * nu - 2, nu - 1, -1):
            coef = g[dg]
            if coef:
                lc = c.log[coef]
                for i in range(1, nu + 1):
                    if lp[i] >= 0:
                        g[dg - i] ^= c.exp[lc + lp[i]]
        for i in range(nu):
            h[i] = g[i]
    if h[1] != 1 or h[0] != 0:
        return False
    for i in range(2, nu):
        if h[i]:
            return False
    return True


cdef int _chien_deflate(const Code* c, int* P, int nu, int* lt, int* deg) noexcept nogil:
    """Chien search over the degrees d < n for roots alpha^d of P, dividing each root out,
    until four remain: deg[0 .. nu-5] receives the degrees found and P[0 .. 4] the remaining
    quartic. Returns nu - 4, or -1 when the search runs past n."""
    cdef int i, v, d = 0, found = 0, cur = nu, N = c.N, x0
    while cur > 4:
        for i in range(cur + 1):
            lt[i] = <int>((c.log[P[i]] + <long long>d * (cur - i)) % N) if P[i] else -1
        while d < c.n:
            v = 0
            for i in range(cur + 1):
                if lt[i] >= 0:
                    v ^= c.exp[lt[i]]
                    lt[i] += cur - i
                    if lt[i] >= N:
                        lt[i] -= N
            if v == 0:
                break
            d += 1
        if d >= c.n:
            return -1
        deg[found] = d
        found += 1
        # P / (X + alpha^d) by synthetic division, in place
        x0 = c.exp[d]
        for i in range(1, cur):
            P[i] ^= gmul(c, x0, P[i - 1])
        cur -= 1
        d += 1
    return found


# ---------------------------------------------------------------- the decoder

cdef int _locate(const Code* c, const uint64_t* word, int nbytes, int* deg) noexcept nogil:
    """Error degrees of a word (deg[0 .. nu-1]) and their number nu, or -1."""
    cdef int t = c.t, N = c.N, nu, i, j, x, idx, step, found
    cdef int* S = c.scratch                  # 2t + 1
    cdef int* C = S + 2 * t + 2              # t + 2 each
    cdef int* B = C + t + 2
    cdef int* T = B + t + 2
    cdef int* X = T + t + 2                  # t + 2
    cdef int* h = X + t + 2                  # t + 2
    cdef int* g = h + t + 2                  # 2t + 2
    cdef int* lp = g + 2 * t + 2             # t + 2
    if not _syndromes(c, word, nbytes, S):
        return 0
    nu = _berlekamp_massey(c, S, C, B, T)
    if nu <= 0 or C[nu] == 0:
        return -1
    for i in range(nu + 1, t + 1):
        if C[i]:
            return -1
    # roots: error locators X_i, roots of P(X) = X^nu + C1 X^(nu-1) + .. + C_nu
    found = 0
    if nu == 1:
        X[0] = C[1]
    elif nu == 2:
        if C[1] == 0:
            return -1
        x = c.qsol[gdiv(c, C[2], gsq(c, C[1]))]
        if x == 0:
            return -1
        X[0] = gmul(c, C[1], x)
        X[1] = X[0] ^ C[1]
    elif nu == 3:
        if _cubic(c, C[1], C[2], C[3], X) != 3:
            return -1
    else:
        if nu > 4:
            # reject locators without nu distinct roots in the field before searching
            if not _splits(c, C, nu, h, g, lp):
                return -1
            found = _chien_deflate(c, C, nu, lp, deg)
            if found < 0:
                return -1
        if _quartic(c, C[1], C[2], C[3], C[4], X) != 4:
            return -1
    for i in range(nu - found):
        if X[i] == 0:
            return -1
        deg[found + i] = c.log[X[i]]
        if deg[found + i] >= c.n:
            return -1
    # verify: the power sums of the error pattern are the odd syndromes
    for j in range(t):
        h[j] = 0
    for i in range(nu):
        idx = deg[i]
        step = 2 * idx
        if step >= N:
            step -= N
        for j in range(t):
            h[j] ^= c.exp[idx]
            idx += step
            if idx >= N:
                idx -= N
    for j in range(t):
        if h[j] != S[2 * j + 1]:
            return -1
    return nu


cdef int _fill(Code* c, const uint16_t[::1] exp_, const uint16_t[::1] log_,
               const uint16_t[::1] qsol, const uint64_t[:, ::1] syntab, int m, int n, int t,
               int32_t[::1] scratch, uint64_t[::1] acc) except -1:
    """Point the code description at the tables (the wrappers call it before releasing the GIL)."""
    if scratch.shape[0] < SCRATCH_PER_T * (t + 2) or acc.shape[0] < syntab.shape[1]:
        raise ValueError("scratch or acc too small")
    c.exp = &exp_[0]
    c.log = &log_[0]
    c.qsol = &qsol[0]
    c.syntab = &syntab[0, 0]
    c.L = <int>syntab.shape[1]
    c.m = m
    c.N = (1 << m) - 1
    c.n = n
    c.t = t
    c.scratch = <int*>&scratch[0]
    c.acc = &acc[0]
    return 0


cdef inline void _flip_message(uint64_t* msg, const int* deg, int nu, int r) noexcept nogil:
    cdef int i, b
    for i in range(nu):
        b = deg[i] - r
        if b >= 0:
            msg[b >> 6] ^= (<uint64_t>1) << (b & 63)


def decode(const word_t[::1] words, int nbytes, int r, const uint16_t[::1] exp_,
           const uint16_t[::1] log_, const uint16_t[::1] qsol, const uint64_t[:, ::1] syntab,
           int m, int n, int t, int32_t[::1] scratch, uint64_t[::1] acc, msg_t[::1] out,
           int16_t[::1] err):
    """Single-word codes (n <= 64): messages of the decoded words, errors (or -1) if err given."""
    cdef Code c
    cdef Py_ssize_t i
    cdef uint64_t w, msg
    cdef int nu
    cdef int* deg
    cdef bint want_err = err.shape[0] > 0
    _fill(&c, exp_, log_, qsol, syntab, m, n, t, scratch, acc)
    deg = <int*>&scratch[0] + SCRATCH_PER_T * (t + 2) - (t + 2)
    with nogil:
        for i in range(words.shape[0]):
            w = words[i]
            nu = _locate(&c, &w, nbytes, deg)
            msg = w >> r
            if nu > 0:
                _flip_message(&msg, deg, nu, r)
            out[i] = <msg_t>msg
            if want_err:
                err[i] = <int16_t>nu


def decode_limbs(const uint64_t[:, ::1] words, int nbytes, int r, const uint16_t[::1] exp_,
                 const uint16_t[::1] log_, const uint16_t[::1] qsol,
                 const uint64_t[:, ::1] syntab, int m, int n, int t, int32_t[::1] scratch,
                 uint64_t[::1] acc, uint64_t[:, ::1] out, int16_t[::1] err):
    """Limb words: out[i] = message limbs of the decoded word, err[i] = errors or -1."""
    cdef Code c
    cdef Py_ssize_t i, q, W = words.shape[1], Wk = out.shape[1]
    cdef Py_ssize_t a = r >> 6, o = r & 63
    cdef uint64_t lo, hi
    cdef int nu
    cdef int* deg
    cdef bint want_err = err.shape[0] > 0
    _fill(&c, exp_, log_, qsol, syntab, m, n, t, scratch, acc)
    deg = <int*>&scratch[0] + SCRATCH_PER_T * (t + 2) - (t + 2)
    with nogil:
        for i in range(words.shape[0]):
            nu = _locate(&c, &words[i, 0], nbytes, deg)
            for q in range(Wk):
                lo = words[i, q + a] if q + a < W else 0
                hi = words[i, q + a + 1] if q + a + 1 < W else 0
                out[i, q] = (lo >> o) | ((hi << (64 - o)) if o else 0)
            if nu > 0:
                _flip_message(&out[i, 0], deg, nu, r)
            if want_err:
                err[i] = <int16_t>nu


def fix_limbs(const uint64_t[:, ::1] syn, int nbytes, int r, const uint16_t[::1] exp_,
              const uint16_t[::1] log_, const uint16_t[::1] qsol,
              const uint64_t[:, ::1] syntab, int m, int n, int t, int32_t[::1] scratch,
              uint64_t[::1] acc, uint64_t[:, ::1] msgs):
    """Flip in msgs the message bits of the error pattern that each syndrome decodes to.

    syn holds the remainders w(x) mod g(x) (the systematic syndromes, r bits): their power
    sums are those of the word, so decoding them finds the word's error pattern.
    """
    cdef Code c
    cdef Py_ssize_t i
    cdef int nu
    cdef int* deg
    _fill(&c, exp_, log_, qsol, syntab, m, n, t, scratch, acc)
    deg = <int*>&scratch[0] + SCRATCH_PER_T * (t + 2) - (t + 2)
    with nogil:
        for i in range(syn.shape[0]):
            nu = _locate(&c, &syn[i, 0], nbytes, deg)
            if nu > 0:
                _flip_message(&msgs[i, 0], deg, nu, r)


def locate_limbs(const uint64_t[:, ::1] words, int nbytes, const uint16_t[::1] exp_,
                 const uint16_t[::1] log_, const uint16_t[::1] qsol,
                 const uint64_t[:, ::1] syntab, int m, int n, int t, int32_t[::1] scratch,
                 uint64_t[::1] acc, int16_t[:, ::1] positions, int16_t[::1] count):
    """Error positions (ascending, padded with -1) and their number (or -1) of each word."""
    cdef Code c
    cdef Py_ssize_t i
    cdef int nu, j, q, p
    cdef int* deg
    _fill(&c, exp_, log_, qsol, syntab, m, n, t, scratch, acc)
    deg = <int*>&scratch[0] + SCRATCH_PER_T * (t + 2) - (t + 2)
    with nogil:
        for i in range(words.shape[0]):
            nu = _locate(&c, &words[i, 0], nbytes, deg)
            count[i] = <int16_t>nu
            for j in range(positions.shape[1]):
                positions[i, j] = -1
            for j in range(nu):
                # insertion sort of the positions n - 1 - deg, ascending
                p = n - 1 - deg[j]
                q = j
                while q > 0 and positions[i, q - 1] > p:
                    positions[i, q] = positions[i, q - 1]
                    q -= 1
                positions[i, q] = <int16_t>p
