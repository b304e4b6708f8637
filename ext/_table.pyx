# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False
# cython: cdivision=True
"""Table kernels for binary systematic linear codes.

Words are integers P = sum_i b_i 2^(n-1-i) (position 0 most significant); the message is
P >> r and the parity P & (2^r - 1), with r = n - k.  Single-word kernels take one unsigned
integer per word (n <= 64); limb kernels take rows of little-endian uint64 limbs of P.

Tables (built by infored._kernels.table):
- enc: parity contribution of every value of every cb-bit message chunk, chunk j at
  enc[j << cb : (j + 1) << cb]; chunk 0 holds the least significant message bits.
- bytetab: syndrome (or parity) contribution of every value of every byte of a word, byte b at
  rows b*256 .. b*256+255, each row R limbs.
- single-word decoding reads the enc tables in the narrowest of uint16/uint32 holding n - k
  bits (one, two or five chunks), and fix / errtab: per syndrome, the message part of the
  coset leader to apply (in the message dtype) and the error count to report; bounded
  decoding zeroes fix and writes -1 where the leader is heavier than t, so the kernels have
  no branch on the decoding mode.
- lead_wt / lead_pos (limbs): per syndrome, the weight of the coset leader and its positions
  padded with -1; a leader heavier than tmax is not applied and reports -1.
"""

from libc.stdint cimport int16_t, uint8_t, uint64_t
from libc.string cimport memcpy

from _bits cimport chunk_parity, gather8, msg_t, syn_t, word_t

# SPREAD[v]: the 8 bits of v as 8 bytes of 0/1 in memory order, most significant bit first
cdef uint64_t SPREAD[256]
cdef uint8_t* _spread_bytes = <uint8_t*>SPREAD
for _v in range(256):
    for _j in range(8):
        _spread_bytes[8 * _v + _j] = (_v >> (7 - _j)) & 1


# ---------------------------------------------------------------- single-word kernels

cdef uint64_t _pack(const uint8_t[:, ::1] bits, word_t[::1] out) noexcept nogil:
    """Eight bits are gathered at a time; returns the OR of all bytes read (spread over the
    bytes of a uint64), so the caller can refuse values other than 0 and 1."""
    cdef Py_ssize_t i, j, n = bits.shape[1], full = n & ~7
    cdef uint64_t v, x, acc = 0
    cdef const uint8_t* p
    for i in range(bits.shape[0]):
        p = &bits[i, 0]
        v = 0
        for j in range(0, full, 8):
            memcpy(&x, p + j, 8)
            acc |= x
            v = (v << 8) | gather8(x)
        if full < n:
            if n >= 8:  # the last 8 bytes overlap the groups already read: keep the new bits
                memcpy(&x, p + n - 8, 8)
                acc |= x
                v = (v << (n - full)) | (gather8(x) & ((1u << (n - full)) - 1))
            else:
                for j in range(n):
                    acc |= p[j]
                    v = (v << 1) | (p[j] & 1)
        out[i] = <word_t>v
    return acc


cdef void _unpack(const word_t[::1] words, uint8_t[:, ::1] out) noexcept nogil:
    cdef Py_ssize_t i, j, n = out.shape[1], full = n & ~7
    cdef uint64_t v
    cdef uint8_t* p
    for i in range(words.shape[0]):
        v = words[i]
        p = &out[i, 0]
        for j in range(0, full, 8):
            memcpy(p + j, &SPREAD[(v >> (n - 8 - j)) & 0xFF], 8)
        if full < n:
            if n >= 8:  # rewrite the last 8 bytes, overlapping bytes get the same values
                memcpy(p + n - 8, &SPREAD[v & 0xFF], 8)
            else:
                for j in range(n):
                    p[j] = (v >> (n - 1 - j)) & 1


cdef void _encode(const msg_t[::1] msgs, const uint64_t* enc, int cb, int nchunks, int r,
                  word_t[::1] out) noexcept nogil:
    cdef Py_ssize_t i
    cdef uint64_t m
    for i in range(msgs.shape[0]):
        m = msgs[i]
        out[i] = <word_t>((m << r) | chunk_parity(m, enc, cb, nchunks))


cdef void _syndrome(const word_t[::1] words, const uint64_t* enc, int cb, int nchunks, int r,
                    msg_t[::1] out) noexcept nogil:
    cdef Py_ssize_t i
    cdef uint64_t w, rmask = (<uint64_t>1 << r) - 1
    for i in range(words.shape[0]):
        w = words[i]
        out[i] = <msg_t>(chunk_parity(w >> r, enc, cb, nchunks) ^ (w & rmask))


# Single-word decoding: message = (w >> r) ^ fix[syndrome], the syndrome from one, two or
# five chunk tables of the message bits (the chunk counts infored._kernels.table uses).
# Table indices are masked, so bits above n never index outside the tables; the loops return
# the OR of their words, from which the caller refuses such words. The chunk count is a
# type (Chunks1, Chunks2, Chunks5) so that Cython compiles one loop per count, branch-free
# whatever the C compiler chooses to inline; four words per step, so their lookups overlap.

cdef struct Chunks1:
    char unused

cdef struct Chunks2:
    char unused

cdef struct Chunks5:
    char unused

ctypedef fused chunks_t:
    Chunks1
    Chunks2
    Chunks5


cdef inline uint64_t _syndrome_of(uint64_t w, const syn_t* enc, int cb, int r, uint64_t cmask,
                                  uint64_t rmask, const chunks_t* chunks) noexcept nogil:
    cdef uint64_t m = w >> r
    if chunks_t is Chunks1:
        return enc[m & cmask] ^ (w & rmask)
    elif chunks_t is Chunks2:
        return enc[m & cmask] ^ enc[cmask + 1 + ((m >> cb) & cmask)] ^ (w & rmask)
    else:
        return chunk_parity(m, enc, cb, 5) ^ (w & rmask)


cdef uint64_t _decode(const word_t* words, Py_ssize_t count, const syn_t* enc, int cb, int r,
                      const msg_t* fix, msg_t* out, const chunks_t* chunks) noexcept nogil:
    cdef Py_ssize_t i, end = count & ~3
    cdef uint64_t cmask = (<uint64_t>1 << cb) - 1, rmask = (<uint64_t>1 << r) - 1
    cdef uint64_t w0, w1, w2, w3, acc = 0
    for i in range(0, end, 4):
        w0 = words[i]
        w1 = words[i + 1]
        w2 = words[i + 2]
        w3 = words[i + 3]
        acc |= (w0 | w1) | (w2 | w3)
        out[i] = <msg_t>((w0 >> r) ^ fix[_syndrome_of(w0, enc, cb, r, cmask, rmask, chunks)])
        out[i + 1] = <msg_t>((w1 >> r) ^ fix[_syndrome_of(w1, enc, cb, r, cmask, rmask, chunks)])
        out[i + 2] = <msg_t>((w2 >> r) ^ fix[_syndrome_of(w2, enc, cb, r, cmask, rmask, chunks)])
        out[i + 3] = <msg_t>((w3 >> r) ^ fix[_syndrome_of(w3, enc, cb, r, cmask, rmask, chunks)])
    for i in range(end, count):
        w0 = words[i]
        acc |= w0
        out[i] = <msg_t>((w0 >> r) ^ fix[_syndrome_of(w0, enc, cb, r, cmask, rmask, chunks)])
    return acc


cdef uint64_t _decode_errors(const word_t* words, Py_ssize_t count, const syn_t* enc, int cb,
                             int r, const msg_t* fix, const int16_t* errtab, msg_t* out,
                             int16_t* err, const chunks_t* chunks) noexcept nogil:
    """One word per step, also writing the count of corrected errors of each word."""
    cdef Py_ssize_t i
    cdef uint64_t cmask = (<uint64_t>1 << cb) - 1, rmask = (<uint64_t>1 << r) - 1
    cdef uint64_t w, s, acc = 0
    for i in range(count):
        w = words[i]
        acc |= w
        s = _syndrome_of(w, enc, cb, r, cmask, rmask, chunks)
        out[i] = <msg_t>((w >> r) ^ fix[s])
        err[i] = errtab[s]
    return acc


cdef void _merge(const msg_t[::1] msgs, const uint64_t[::1] syn, const uint64_t* enc, int cb,
                 int nchunks, int r, const msg_t* fix, word_t[::1] out) noexcept nogil:
    cdef Py_ssize_t i
    cdef uint64_t m, s
    for i in range(msgs.shape[0]):
        s = syn[i]
        m = msgs[i] ^ fix[s]
        out[i] = <word_t>((m << r) | (chunk_parity(m, enc, cb, nchunks) ^ s))


def pack(const uint8_t[:, ::1] bits, word_t[::1] out):
    """Returns the OR of the bytes read: bits above the lowest mean a value other than 0/1."""
    cdef uint64_t acc
    with nogil:
        acc = _pack(bits, out)
    return acc


def unpack(const word_t[::1] words, uint8_t[:, ::1] out):
    with nogil:
        _unpack(words, out)


def encode(const msg_t[::1] msgs, const uint64_t[::1] enc, int cb, int nchunks, int r,
           word_t[::1] out):
    with nogil:
        _encode(msgs, &enc[0], cb, nchunks, r, out)


def syndrome(const word_t[::1] words, const uint64_t[::1] enc, int cb, int nchunks, int r,
             msg_t[::1] out):
    with nogil:
        _syndrome(words, &enc[0], cb, nchunks, r, out)


def decode(const word_t[::1] words, const syn_t[::1] enc, int cb, int nchunks, int r,
           const msg_t[::1] fix, const int16_t[::1] errtab, msg_t[::1] out, int16_t[::1] err):
    """fix[s]: message part of the leader applied for syndrome s (0 where not applied);
    errtab[s]: the count reported (-1 where not applied). err of length 0: not wanted.
    Returns the OR of all words: the caller refuses the batch if it has bits above n."""
    cdef Py_ssize_t count = words.shape[0]
    cdef uint64_t acc = 0
    if count == 0:
        return 0
    with nogil:
        if err.shape[0] > 0:
            if nchunks == 1:
                acc = _decode_errors(&words[0], count, &enc[0], cb, r, &fix[0], &errtab[0],
                                     &out[0], &err[0], <Chunks1*>NULL)
            elif nchunks == 2:
                acc = _decode_errors(&words[0], count, &enc[0], cb, r, &fix[0], &errtab[0],
                                     &out[0], &err[0], <Chunks2*>NULL)
            else:
                acc = _decode_errors(&words[0], count, &enc[0], cb, r, &fix[0], &errtab[0],
                                     &out[0], &err[0], <Chunks5*>NULL)
        elif nchunks == 1:
            acc = _decode(&words[0], count, &enc[0], cb, r, &fix[0], &out[0], <Chunks1*>NULL)
        elif nchunks == 2:
            acc = _decode(&words[0], count, &enc[0], cb, r, &fix[0], &out[0], <Chunks2*>NULL)
        else:
            acc = _decode(&words[0], count, &enc[0], cb, r, &fix[0], &out[0], <Chunks5*>NULL)
    return acc


def merge(const msg_t[::1] msgs, const uint64_t[::1] syn, const uint64_t[::1] enc, int cb,
          int nchunks, int r, const msg_t[::1] fix, word_t[::1] out):
    with nogil:
        _merge(msgs, syn, &enc[0], cb, nchunks, r, &fix[0], out)


# ---------------------------------------------------------------- limb kernels (any n)

cdef inline int _get_bit(const uint64_t* limbs, Py_ssize_t b) noexcept nogil:
    return (limbs[b >> 6] >> (b & 63)) & 1


cdef inline void _flip_bit(uint64_t* limbs, Py_ssize_t b) noexcept nogil:
    limbs[b >> 6] ^= (<uint64_t>1) << (b & 63)


cdef inline void _table_xor(const uint64_t* limbs, Py_ssize_t nbytes, const uint64_t* tab,
                            Py_ssize_t R, uint64_t* acc) noexcept nogil:
    """acc[0:R] = XOR over the bytes of limbs of that byte's table row."""
    cdef Py_ssize_t b, q
    cdef const uint64_t* row
    for q in range(R):
        acc[q] = 0
    for b in range(nbytes):
        row = tab + ((b << 8) + ((limbs[b >> 3] >> ((b & 7) << 3)) & 0xFF)) * R
        for q in range(R):
            acc[q] ^= row[q]


cdef inline void _shift_right(const uint64_t* src, Py_ssize_t Wsrc, Py_ssize_t sh,
                              uint64_t* dst, Py_ssize_t Wdst) noexcept nogil:
    """dst = src >> sh, for Wdst limbs (bits beyond the source read as zero)."""
    cdef Py_ssize_t q, a = sh >> 6, o = sh & 63
    cdef uint64_t lo, hi
    for q in range(Wdst):
        lo = src[q + a] if q + a < Wsrc else 0
        hi = src[q + a + 1] if q + a + 1 < Wsrc else 0
        dst[q] = (lo >> o) | ((hi << (64 - o)) if o else 0)


cdef inline void _assemble(const uint64_t* m, Py_ssize_t Wk, const uint64_t* par, Py_ssize_t R,
                           Py_ssize_t r, uint64_t* out, Py_ssize_t W) noexcept nogil:
    """out = (m << r) | par."""
    cdef Py_ssize_t q, a = r >> 6, o = r & 63
    cdef uint64_t lo, hi
    for q in range(W):
        lo = m[q - a] if 0 <= q - a < Wk else 0
        hi = m[q - a - 1] if 0 <= q - a - 1 < Wk else 0
        out[q] = (lo << o) | ((hi >> (64 - o)) if o else 0)
        if q < R:
            out[q] ^= par[q]


cdef void _leader_fix(uint64_t* m, Py_ssize_t k, const int16_t* pos,
                      Py_ssize_t wmax) noexcept nogil:
    """Flip the message bits the coset leader touches (positions < k)."""
    cdef Py_ssize_t j
    cdef int16_t p
    for j in range(wmax):
        p = pos[j]
        if p < 0:
            break
        if p < k:
            _flip_bit(m, k - 1 - p)


def pack_limbs(const uint8_t[:, ::1] bits, uint64_t[:, ::1] out):
    """Returns the OR of all bits values, as pack does."""
    cdef Py_ssize_t i, j, n = bits.shape[1]
    cdef uint8_t acc = 0
    with nogil:
        for i in range(bits.shape[0]):
            for j in range(out.shape[1]):
                out[i, j] = 0
            for j in range(n):
                acc |= bits[i, j]
                if bits[i, j] & 1:
                    _flip_bit(&out[i, 0], n - 1 - j)
    return acc


def unpack_limbs(const uint64_t[:, ::1] words, uint8_t[:, ::1] out):
    cdef Py_ssize_t i, j, n = out.shape[1]
    with nogil:
        for i in range(words.shape[0]):
            for j in range(n):
                out[i, j] = _get_bit(&words[i, 0], n - 1 - j)


def syndrome_limbs(const uint64_t[:, ::1] words, const uint64_t[:, ::1] bytetab, Py_ssize_t nbytes,
                   uint64_t[:, ::1] out):
    cdef Py_ssize_t i, R = out.shape[1]
    with nogil:
        for i in range(words.shape[0]):
            _table_xor(&words[i, 0], nbytes, &bytetab[0, 0], R, &out[i, 0])


def encode_limbs(const uint64_t[:, ::1] msgs, const uint64_t[:, ::1] msgtab, Py_ssize_t kbytes,
                 Py_ssize_t r, uint64_t[:, ::1] par, uint64_t[:, ::1] out):
    """par is caller-allocated scratch of shape (N, R)."""
    cdef Py_ssize_t i, R = par.shape[1], Wk = msgs.shape[1], W = out.shape[1]
    with nogil:
        for i in range(msgs.shape[0]):
            _table_xor(&msgs[i, 0], kbytes, &msgtab[0, 0], R, &par[i, 0])
            _assemble(&msgs[i, 0], Wk, &par[i, 0], R, r, &out[i, 0], W)


def decode_limbs(const uint64_t[:, ::1] words, const uint64_t[:, ::1] bytetab, Py_ssize_t nbytes,
                 Py_ssize_t r, Py_ssize_t k, const int16_t[:, ::1] lead_pos,
                 const uint8_t[::1] lead_wt, int tmax, uint64_t[:, ::1] out, int16_t[::1] err):
    """Complete or bounded table decoding; needs r <= 64 (one syndrome limb)."""
    cdef Py_ssize_t i, W = words.shape[1], Wk = out.shape[1], wmax = lead_pos.shape[1]
    cdef uint64_t s
    cdef int wt
    cdef bint want_err = err.shape[0] > 0
    with nogil:
        for i in range(words.shape[0]):
            _table_xor(&words[i, 0], nbytes, &bytetab[0, 0], 1, &s)
            _shift_right(&words[i, 0], W, r, &out[i, 0], Wk)
            wt = lead_wt[s]
            if wt <= tmax:
                _leader_fix(&out[i, 0], k, &lead_pos[s, 0], wmax)
            else:
                wt = -1
            if want_err:
                err[i] = <int16_t>wt


def merge_limbs(const uint64_t[:, ::1] msgs, const uint64_t[:, ::1] syn,
                const uint64_t[:, ::1] msgtab, Py_ssize_t kbytes, Py_ssize_t r, Py_ssize_t k,
                const int16_t[:, ::1] lead_pos, const uint8_t[::1] lead_wt, int tmax,
                uint64_t[:, ::1] scratch, uint64_t[:, ::1] out):
    """scratch: (N, Wk + 1) caller-allocated; r <= 64."""
    cdef Py_ssize_t i, q, Wk = msgs.shape[1], W = out.shape[1], wmax = lead_pos.shape[1]
    cdef uint64_t s, par
    cdef uint64_t* m
    with nogil:
        for i in range(msgs.shape[0]):
            m = &scratch[i, 0]
            for q in range(Wk):
                m[q] = msgs[i, q]
            s = syn[i, 0]
            if lead_wt[s] <= tmax:
                _leader_fix(m, k, &lead_pos[s, 0], wmax)
            _table_xor(m, kbytes, &msgtab[0, 0], 1, &par)
            par ^= s
            _assemble(m, Wk, &par, 1, r, &out[i, 0], W)


def build_leaders(const uint64_t[::1] colsyn, int wmax, int16_t[:, ::1] lead_pos,
                  uint8_t[::1] lead_wt):
    """Fill the coset-leader table in canonical order; returns the number of cosets filled.

    Patterns are visited by weight, then by increasing integer value (position 0 is the most
    significant bit), so each coset keeps its minimum-weight pattern that is smallest as an
    integer. lead_wt must come in filled with 255 and lead_pos with -1.
    """
    cdef Py_ssize_t n = colsyn.shape[0], total = lead_wt.shape[0], filled = 0
    cdef int w, i, q
    cdef int c[64]
    cdef uint64_t s
    with nogil:
        for w in range(wmax + 1):
            if w > n or filled == total:
                break
            for i in range(w):
                c[i] = i            # bit indices, ascending; colex order = integer order
            while True:
                s = 0
                for i in range(w):
                    s ^= colsyn[n - 1 - c[i]]
                if lead_wt[s] == 255:
                    lead_wt[s] = w
                    for i in range(w):
                        lead_pos[s, i] = <int16_t>(n - 1 - c[w - 1 - i])
                    filled += 1
                    if filled == total:
                        break
                # colex successor
                i = 0
                while i < w and (c[i] + 1 == (c[i + 1] if i + 1 < w else n)):
                    i += 1
                if i >= w:
                    break
                c[i] += 1
                for q in range(i):
                    c[q] = q
    return filled
