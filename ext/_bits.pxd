# cython: language_level=3
# Inline bit helpers shared by the kernels.
from libc.stdint cimport uint8_t, uint16_t, uint32_t, uint64_t

ctypedef fused word_t:
    uint8_t
    uint16_t
    uint32_t
    uint64_t

ctypedef fused msg_t:
    uint8_t
    uint16_t
    uint32_t
    uint64_t

ctypedef fused tab_t:
    uint16_t
    uint32_t
    uint64_t

# decode tables: syndromes of at most 32 bits (a coset-leader table has 2^r entries)
ctypedef fused syn_t:
    uint16_t
    uint32_t


cdef extern from *:
    """
    static inline int infored_popcount64(unsigned long long x) { return __builtin_popcountll(x); }
    static inline int infored_parity64(unsigned long long x) { return __builtin_parityll(x); }
    static inline int infored_ctz64(unsigned long long x) { return __builtin_ctzll(x); }
    #include <string.h>
    /* 8 bytes of 0/1 loaded as one uint64 (first byte first in memory) -> one byte, the
       first byte most significant */
    static inline unsigned infored_gather8(unsigned long long x) {
    #if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
        x = __builtin_bswap64(x);
    #endif
        return (unsigned)(((x & 0x0101010101010101ULL) * 0x8040201008040201ULL) >> 56);
    }
    """
    int popcount64 "infored_popcount64"(uint64_t x) noexcept nogil
    int parity64 "infored_parity64"(uint64_t x) noexcept nogil
    int ctz64 "infored_ctz64"(uint64_t x) noexcept nogil
    unsigned gather8 "infored_gather8"(uint64_t x) noexcept nogil


cdef inline uint64_t chunk_parity(uint64_t msg, const tab_t* enc, int cb,
                                  int nchunks) noexcept nogil:
    """XOR of the per-chunk parity contributions of a message of at most 64 bits."""
    cdef uint64_t p = 0
    cdef uint64_t mask = (<uint64_t>1 << cb) - 1
    cdef int j
    for j in range(nchunks):
        p ^= enc[(<uint64_t>j << cb) + (msg & mask)]
        msg >>= cb
    return p
