"""The decoding core: Hamming, Golay and BCH codes against independent oracles.

Oracles: galois (vectors in ``data/bch_vectors.json``, written by ``tools/make_vectors.py``),
polynomial arithmetic over GF(2) written here, brute force over all codewords or over all
low-weight error patterns, and the pure-NumPy reference backend.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from conftest import (
    code,
    fresh_code,
    hex_bits,
    int_to_packed,
    packed_to_int,
    random_packed,
    vectors,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infored import BCH, Golay, Hamming, get_code
from infored.codes._cyclic import PRIMITIVE_POLYNOMIALS

GOLAY_GENERATOR = 0xAE3  # x^11 + x^9 + x^7 + x^6 + x^5 + x + 1
MAX_TABLE_REDUNDANCY = 20


# ---------------------------------------------------------------- GF(2) polynomials

def clmul(a: int, b: int) -> int:
    """Product of two GF(2) polynomials (bit i = coefficient of x^i)."""
    out = 0
    while b:
        if b & 1:
            out ^= a
        a <<= 1
        b >>= 1
    return out


def polymod(a: int, g: int) -> int:
    """Remainder of a(x) divided by g(x)."""
    dg = g.bit_length() - 1
    while a.bit_length() - 1 >= dg:
        a ^= g << (a.bit_length() - 1 - dg)
    return a


def power_remainders(g: int, n: int) -> list[int]:
    """x^i mod g(x) for i = 0 .. n-1."""
    top = 1 << (g.bit_length() - 1)
    out, rem = [], 1
    for _ in range(n):
        out.append(rem)
        rem <<= 1
        if rem & top:
            rem ^= g
    return out


def int_bits(value: int, n: int) -> np.ndarray:
    """An n-bit integer to its bits, most significant first."""
    return np.array([(value >> (n - 1 - i)) & 1 for i in range(n)], dtype=np.uint8)


def bits_int(bits) -> int:
    return int("".join(str(int(b)) for b in np.asarray(bits).reshape(-1)) or "0", 2)


def popcount(values: np.ndarray) -> np.ndarray:
    return np.bitwise_count(values)


# ---------------------------------------------------------------- independent syndromes

def cyclic_columns(g: int, n: int, extended: bool = False) -> np.ndarray:
    """Syndrome of each integer bit of an n-bit word, as uint64 (bit j = x^j).

    For a cyclic (or shortened) code the syndrome of w is w(x) mod g(x). For the extended
    code (overall parity bit last, the integer's bit 0), it is ((w >> 1) mod g) << 1 | parity.
    """
    if not extended:
        return np.array(power_remainders(g, n), dtype=np.uint64)
    inner = power_remainders(g, n - 1)
    return np.array([1] + [(rem << 1) | 1 for rem in inner], dtype=np.uint64)


def syndrome_function(columns: np.ndarray):
    """A vectorised linear map: XOR of the columns of the set bits of uint64 words."""
    nbytes = -(-columns.shape[0] // 8)
    padded = np.zeros(nbytes * 8, dtype=np.uint64)
    padded[: columns.shape[0]] = columns
    values = np.arange(256, dtype=np.uint64)
    tables = np.zeros((nbytes, 256), dtype=np.uint64)
    for bit in range(8):
        on = ((values >> np.uint64(bit)) & np.uint64(1)).astype(bool)
        tables[:, on] ^= padded[bit::8][:, None]

    def syndrome(words: np.ndarray) -> np.ndarray:
        words = np.asarray(words, dtype=np.uint64)
        out = np.zeros(words.shape, dtype=np.uint64)
        for b in range(nbytes):
            out ^= tables[b][((words >> np.uint64(8 * b)) & np.uint64(0xFF)).astype(np.intp)]
        return out

    return syndrome


def patterns_up_to(n: int, weight: int) -> tuple[np.ndarray, np.ndarray]:
    """Every n-bit error pattern (n <= 64) of weight <= ``weight``, with its weight."""
    values, weights = [0], [0]
    for w in range(1, weight + 1):
        for combo in itertools.combinations(range(n), w):
            values.append(sum(1 << i for i in combo))
            weights.append(w)
    return np.array(values, dtype=np.uint64), np.array(weights, dtype=np.int64)


def canonical_leaders(columns: np.ndarray, r: int, max_weight: int):
    """Brute force over all patterns of weight <= max_weight: per syndrome, the minimum weight,
    the number of patterns of that weight, and the canonical one (smallest integer)."""
    values, weights = patterns_up_to(columns.shape[0], max_weight)
    syn = syndrome_function(columns)(values).astype(np.int64)
    order = np.lexsort((values, weights, syn))
    syn, values, weights = syn[order], values[order], weights[order]
    first = np.r_[True, syn[1:] != syn[:-1]]
    size = 1 << r
    min_weight = np.full(size, -1, dtype=np.int64)
    leader = np.zeros(size, dtype=np.uint64)
    min_weight[syn[first]] = weights[first]
    leader[syn[first]] = values[first]
    at_min = weights == min_weight[syn]
    ties = np.bincount(syn[at_min], minlength=size)
    return min_weight, leader, ties


# ---------------------------------------------------------------- the galois vectors

def all_entries() -> list[dict]:
    return vectors()["codes"]


def reference_feasible(entry: dict) -> bool:
    """The reference twins build coset tables from Python lists of patterns: keep them to
    codes whose table stays small (single-error codes, short codes, algebraic decoding)."""
    r = entry["n"] - entry["k"]
    return entry["t"] == 1 or entry["n"] <= 127 or r > MAX_TABLE_REDUNDANCY


def decoders_of(entry: dict) -> list[str]:
    r = entry["n"] - entry["k"]
    return ["complete", "bounded"] if r <= MAX_TABLE_REDUNDANCY else ["bounded"]


def names_of(entry: dict) -> list[str]:
    """infored short names of the code of a vector entry (Hamming codes also as Hamming)."""
    names = [f"bch{entry['n']},{entry['k']}"]
    if entry["t"] == 1 and entry["parent"] == [entry["n"], entry["k"]]:
        names.append(f"hamming{entry['m']}")
    return names


def cases(*, with_decoder: bool, with_backend: bool) -> list:
    out = []
    for entry in all_entries():
        for name in names_of(entry):
            for decoder in decoders_of(entry) if with_decoder else [None]:
                for backend in ("compiled", "reference") if with_backend else [None]:
                    if backend == "reference" and not reference_feasible(entry):
                        continue
                    args = [entry, name] + ([decoder] if with_decoder else [])
                    args += [backend] if with_backend else []
                    label = "-".join(str(a) for a in args[1:])
                    out.append(pytest.param(*args, id=label))
    return out


def warm(c, monkeypatch) -> None:
    """Build a code's tables with the compiled builders (the reference builders enumerate
    patterns in Python lists and are tested on small codes only)."""
    with monkeypatch.context() as mp:
        mp.setenv("INFORED_BACKEND", "compiled")
        c.decode(np.zeros((1, c.n), dtype=np.uint8))


def set_backend(monkeypatch, backend: str) -> None:
    monkeypatch.setenv("INFORED_BACKEND", backend)


# ---------------------------------------------------------------- parameters

@pytest.mark.parametrize("r", range(2, 16))
def test_hamming_parameters(r):
    n = 2**r - 1
    plain = Hamming(r)
    assert (plain.n, plain.k, plain.d, plain.t) == (n, n - r, 3, 1)
    ext = Hamming(r, extended=True)
    assert (ext.n, ext.k, ext.d, ext.t) == (n + 1, n - r, 4, 1)


def test_golay_parameters():
    assert (Golay().n, Golay().k, Golay().d, Golay().t) == (23, 12, 7, 3)
    ext = Golay(extended=True)
    assert (ext.n, ext.k, ext.d, ext.t) == (24, 12, 8, 3)


def test_primitive_polynomials_are_galois():
    """The field polynomials are those galois' BCH codes use (read from its codes for
    m = 3 .. 10, from its default for m = 2 .. 15), for every m infored supports."""
    used = {int(m): p for m, p in vectors()["primitive_polynomials"].items()}
    default = {int(m): p for m, p in vectors()["matlab_primitive_polynomials"].items()}
    assert {m: PRIMITIVE_POLYNOMIALS[m] for m in used} == used
    assert PRIMITIVE_POLYNOMIALS == default


@pytest.mark.parametrize("m", range(3, 11))
def test_bch_codes_and_generators_are_galois(m):
    """Every (n, k) galois builds at length 2^m - 1 exists here with the same designed
    distance and generator polynomial, and no other k does (but the repetition code)."""
    n = 2**m - 1
    rows = vectors()["generators"][str(m)]
    for _, k, d, generator in rows:
        bch = BCH(n, k)
        assert (bch.n, bch.k, bch.d, bch.t, bch.m) == (n, k, d, (d - 1) // 2, m)
        assert bch.generator_poly == int(generator, 16)
    accepted = set()
    for k in range(1, n):
        try:
            BCH(n, k)
        except ValueError:
            continue
        accepted.add(k)
    assert accepted == {row[1] for row in rows} | {1}


@pytest.mark.parametrize("m", range(3, 11))
def test_repetition_code(m):
    n = 2**m - 1
    rep = BCH(n, 1)
    assert rep.d == n
    assert rep.generator_poly == 2**n - 1  # (x^n - 1) / (x - 1)
    assert rep.encode([1]).tolist() == [1] * n


# ---------------------------------------------------------------- matrices and code sets

def matrix_codes() -> list[str]:
    names = [f"hamming{r}" for r in range(2, 11)] + [f"ehamming{r}" for r in range(2, 11)]
    names += ["golay", "golay24"]
    names += [f"bch{e['n']},{e['k']}" for e in all_entries()]
    return names


@pytest.mark.parametrize("name", matrix_codes())
def test_generator_and_parity_check_matrices(name):
    c = get_code(name)
    G, H = c.generator_matrix, c.parity_check_matrix
    assert G.shape == (c.k, c.n) and H.shape == (c.n - c.k, c.n)
    assert G.dtype == np.uint8 and H.dtype == np.uint8
    assert (G[:, : c.k] == np.eye(c.k, dtype=np.uint8)).all()  # systematic [I | P]
    assert (H[:, c.k :] == np.eye(c.n - c.k, dtype=np.uint8)).all()  # full rank
    product = G.astype(np.float32) @ H.T.astype(np.float32)  # exact: sums <= n < 2^24
    assert not (product.astype(np.int64) % 2).any()
    # the generator matrix's rows are the code's encodings of the unit messages
    assert (c.encode(np.eye(c.k, dtype=np.uint8)) == G).all()


@pytest.mark.parametrize("m", range(3, 11))
def test_bch_generator_rows_are_multiples_of_the_generator(m):
    """Every row of G, as a polynomial, is divisible by g(x) (so the code is the cyclic code
    of g, shortened where n < 2^m - 1): G times the table of x^i mod g(x) vanishes."""
    entries = [e for e in all_entries() if e["m"] == m]
    assert entries
    for entry in entries:
        n, k, g = entry["n"], entry["k"], int(entry["generator"], 16)
        remainders = np.array(power_remainders(g, n)[::-1], dtype=object)  # position order
        rem_bits = np.array([int_bits(int(v), n - k) for v in remainders], dtype=np.float32)
        G = BCH(n, k).generator_matrix.astype(np.float32)
        assert not ((G @ rem_bits).astype(np.int64) % 2).any(), entry["name"]


def golay_codewords(extended: bool) -> np.ndarray:
    """All 4096 Golay codewords as integers, from the multiples of g(x)."""
    words = np.array([clmul(a, GOLAY_GENERATOR) for a in range(4096)], dtype=np.uint32)
    if extended:
        words = (words << np.uint32(1)) | (popcount(words) & 1).astype(np.uint32)
    return words


def hamming_codewords(r: int, extended: bool) -> np.ndarray:
    poly = PRIMITIVE_POLYNOMIALS[r]
    k = 2**r - 1 - r
    words = np.array([clmul(a, poly) for a in range(2**k)], dtype=np.uint64)
    if extended:
        words = (words << np.uint64(1)) | (popcount(words) & 1).astype(np.uint64)
    return words


@pytest.mark.parametrize("extended", [False, True])
def test_golay_codeword_set_and_weights(extended):
    c = Golay(extended=extended)
    encoded = c.encode(np.arange(4096, dtype=np.uint16), packed=True)
    expected = golay_codewords(extended)
    assert np.array_equal(np.sort(encoded.astype(np.uint32)), np.sort(expected))
    counts = np.bincount(popcount(encoded), minlength=c.n + 1)
    if extended:
        spectrum = {0: 1, 8: 759, 12: 2576, 16: 759, 24: 1}
    else:
        spectrum = {0: 1, 7: 253, 8: 506, 11: 1288, 12: 1288, 15: 506, 16: 253, 23: 1}
    assert {w: int(v) for w, v in enumerate(counts) if v} == spectrum


@pytest.mark.parametrize("r", range(2, 15))
def test_hamming_parity_check_columns_are_all_distinct_syndromes(r):
    """The defining property of a Hamming code: the columns of H are the 2^r - 1 nonzero
    r-bit vectors, each once."""
    H = Hamming(r).parity_check_matrix
    columns = np.packbits(H.T, axis=1, bitorder="little")
    values = sum(columns[:, i].astype(np.int64) << (8 * i) for i in range(columns.shape[1]))
    assert sorted(values.tolist()) == list(range(1, 2**r))


@pytest.mark.parametrize("r", [2, 3, 4])
@pytest.mark.parametrize("extended", [False, True])
def test_hamming_codeword_set(r, extended):
    c = Hamming(r, extended=extended)
    encoded = c.encode(np.arange(2**c.k, dtype=np.uint64), packed=True).astype(np.uint64)
    assert np.array_equal(np.sort(encoded), np.sort(hamming_codewords(r, extended)))


# ---------------------------------------------------------------- encode against galois

@pytest.mark.parametrize(("entry", "name", "backend"), cases(with_decoder=False,
                                                             with_backend=True))
def test_encode_matches_galois(entry, name, backend, monkeypatch):
    set_backend(monkeypatch, backend)
    c = code(name)
    n, k = entry["n"], entry["k"]
    msgs = np.array([hex_bits(m, k) for m, _ in entry["encode"]])
    words = np.array([hex_bits(w, n) for _, w in entry["encode"]])
    assert np.array_equal(c.encode(msgs), words)
    assert np.array_equal(c.encode(msgs[0]), words[0])  # one message, 1-D
    packed = c.encode(int_to_packed([int(m, 16) for m, _ in entry["encode"]], k), packed=True)
    assert packed_to_int(packed, n) == [int(w, 16) for _, w in entry["encode"]]
    assert not c.syndrome(words).any()


def test_golay_is_galois_bch_23_12():
    entry = vectors()["golay"]
    assert int(entry["generator"], 16) == GOLAY_GENERATOR
    c = Golay()
    msgs = np.array([hex_bits(m, 12) for m, _ in entry["encode"]])
    words = np.array([hex_bits(w, 23) for _, w in entry["encode"]])
    assert np.array_equal(c.encode(msgs), words)
    # galois corrects up to its designed t = 2: the Golay code corrects those too
    words = np.array([hex_bits(w, 23) for w, _, _ in entry["decode"]])
    msgs, err = c.decode(words, errors=True)
    assert [bits_int(m) for m in msgs] == [int(m, 16) for _, m, _ in entry["decode"]]
    assert err.tolist() == [e for _, _, e in entry["decode"]]
    # beyond 2 errors galois gives up; the perfect Golay code decodes at distance 3 exactly
    words = np.array([hex_bits(w, 23) for w, _, _ in entry["bounded"]])
    msgs, err = c.decode(words, errors=True)
    for got, count, (_, expect, galois_count) in zip(msgs, err, entry["bounded"], strict=True):
        if galois_count >= 0:
            assert (bits_int(got), int(count)) == (int(expect, 16), galois_count)
        else:
            assert count == 3


# ---------------------------------------------------------------- decode against galois

@pytest.mark.parametrize(("entry", "name", "decoder", "backend"),
                         cases(with_decoder=True, with_backend=True))
def test_decode_up_to_t_errors_matches_galois(entry, name, decoder, backend, monkeypatch):
    c = code(name, decoder)
    warm(c, monkeypatch)
    set_backend(monkeypatch, backend)
    n, k = entry["n"], entry["k"]
    words = np.array([hex_bits(w, n) for w, _, _ in entry["decode"]])
    expect_msgs = np.array([hex_bits(m, k) for _, m, _ in entry["decode"]])
    expect_err = [e for _, _, e in entry["decode"]]
    msgs, err = c.decode(words, errors=True)
    assert np.array_equal(msgs, expect_msgs)
    assert err.tolist() == expect_err
    packed = int_to_packed([int(w, 16) for w, _, _ in entry["decode"]], n)
    pmsgs, perr = c.decode(packed, packed=True, errors=True)
    assert packed_to_int(pmsgs, k) == [int(m, 16) for _, m, _ in entry["decode"]]
    assert perr.tolist() == expect_err


@pytest.mark.parametrize(("entry", "name", "decoder", "backend"),
                         cases(with_decoder=True, with_backend=True))
def test_beyond_t_matches_galois(entry, name, decoder, backend, monkeypatch):
    """Random words and words with t+1, t+2 errors. The bounded decoder fails exactly where
    galois does and returns the same messages (received message bits on failure); the complete
    decoder agrees with galois wherever galois succeeds and corrects more than t elsewhere."""
    c = code(name, decoder)
    warm(c, monkeypatch)
    set_backend(monkeypatch, backend)
    n, k, t = entry["n"], entry["k"], entry["t"]
    rows = entry["bounded"]
    packed = int_to_packed([int(w, 16) for w, _, _ in rows], n)
    msgs, err = c.decode(packed, packed=True, errors=True)
    bit_msgs, bit_err = c.decode(np.array([hex_bits(w, n) for w, _, _ in rows]), errors=True)
    assert [bits_int(m) for m in bit_msgs] == packed_to_int(msgs, k)
    assert np.array_equal(bit_err, err)
    got = packed_to_int(msgs, k)
    for i, (_, expect, galois_count) in enumerate(rows):
        if decoder == "bounded":
            assert (got[i], int(err[i])) == (int(expect, 16), galois_count), i
        elif galois_count >= 0:
            assert (got[i], int(err[i])) == (int(expect, 16), galois_count), i
        else:
            assert err[i] > t, i
    if decoder == "bounded":
        assert ((err == -1) | ((err >= 0) & (err <= t))).all()


@pytest.mark.parametrize(("entry", "name"), cases(with_decoder=False, with_backend=False))
def test_galois_vectors_split_and_merge(entry, name):
    c = code(name, "bounded")
    n = entry["n"]
    words = np.array([hex_bits(w, n) for w, _, _ in entry["bounded"] + entry["decode"]])
    msgs, syn = c.split(words)
    assert np.array_equal(msgs, c.decode(words))
    assert np.array_equal(c.merge(msgs, syn), words)


# ---------------------------------------------------------------- exhaustive: perfect codes

def test_golay_every_word_decodes_within_three():
    """All 2^23 words: the decoded codeword is within distance 3 (so it is the nearest: the
    minimum distance is 7), the error count is that distance, and every codeword is chosen by
    exactly its 2048-word sphere."""
    c = Golay()
    words = np.arange(2**23, dtype=np.uint32)
    msgs, err = c.decode(words, packed=True, errors=True)
    distance = popcount(words ^ c.encode(msgs, packed=True))
    assert distance.max() == 3
    assert np.array_equal(distance.astype(np.int16), err)
    assert (np.bincount(msgs, minlength=4096) == 1 + 23 + 253 + 1771).all()


@pytest.mark.parametrize("r", [2, 3, 4])
def test_hamming_every_word_decodes_within_one(r):
    c = Hamming(r)
    words = np.arange(2**c.n, dtype=np.uint64).astype(c.encode(0, packed=True).dtype)
    msgs, err = c.decode(words, packed=True, errors=True)
    distance = popcount(words ^ c.encode(msgs, packed=True))
    assert distance.max() == 1
    assert np.array_equal(distance.astype(np.int16), err)
    assert (np.bincount(msgs.astype(np.int64), minlength=2**c.k) == c.n + 1).all()


def limb_patterns(n: int) -> np.ndarray:
    """(n, W) uint64 limbs: row p is the single error at position p (integer bit n-1-p)."""
    limbs = -(-n // 64)
    out = np.zeros((n, limbs), dtype=np.uint64)
    bit = n - 1 - np.arange(n)
    out[np.arange(n), bit // 64] = np.uint64(1) << (bit % 64).astype(np.uint64)
    return out


@pytest.mark.parametrize("r", range(5, 15))
def test_hamming_every_coset_on_random_codewords(r):
    """Every coset of Hamming(r), r = 5 .. 14: each single-error position (and none) on its
    own random codeword decodes to that codeword's message with the right error count."""
    c = Hamming(r)
    n, k = c.n, c.k
    rng = np.random.default_rng(r)
    if n <= 64:
        msgs = rng.integers(0, 2**k, size=n + 1, dtype=np.uint64)
        words = c.encode(msgs, packed=True)
        flips = np.r_[np.uint64(0), np.uint64(1) << np.arange(n, dtype=np.uint64)]
        got, err = c.decode(words ^ flips.astype(words.dtype), packed=True, errors=True)
        assert np.array_equal(got.astype(np.uint64), msgs)
    else:
        msgs = random_packed(rng, n + 1, k)
        words = c.encode(msgs, packed=True)
        words[1:] ^= limb_patterns(n)
        got, err = c.decode(words, packed=True, errors=True)
        assert np.array_equal(got, msgs)
    assert err.tolist() == [0] + [1] * n


# ---------------------------------------------------------------- exhaustive: ties

def brute_force_nearest(words: np.ndarray, codewords: np.ndarray):
    """For each word: distance to the nearest codewords, how many there are, and the canonical
    error pattern (the smallest ``word ^ codeword`` among them)."""
    diff = words[:, None] ^ codewords[None, :]
    dist = popcount(diff)
    nearest = dist.min(axis=1)
    at_min = dist == nearest[:, None]
    masked = np.where(at_min, diff, np.iinfo(diff.dtype).max)
    return nearest, at_min.sum(axis=1), masked.min(axis=1)


def check_complete_decoding(c, words, columns, leader, min_weight):
    """The decoded codeword of each word is at minimum distance and its error pattern is the
    canonical leader of the word's coset (syndromes computed independently)."""
    msgs, err = c.decode(words, packed=True, errors=True)
    pattern = words ^ c.encode(msgs, packed=True)
    syn = syndrome_function(columns)(pattern.astype(np.uint64)).astype(np.int64)
    syn_words = syndrome_function(columns)(words.astype(np.uint64)).astype(np.int64)
    assert np.array_equal(syn, syn_words)  # same coset
    assert np.array_equal(popcount(pattern).astype(np.int64), min_weight[syn])
    assert np.array_equal(err.astype(np.int64), min_weight[syn])
    assert np.array_equal(pattern.astype(np.uint64), leader[syn])


@pytest.mark.slow
def test_extended_golay_every_word_canonical():
    """All 2^24 words of the extended Golay code decode to a nearest codeword with the
    canonical error pattern; 1771 cosets (43.2% of the words) have six tied leaders."""
    c = Golay(extended=True)
    columns = cyclic_columns(GOLAY_GENERATOR, 24, extended=True)
    min_weight, leader, ties = canonical_leaders(columns, 12, 4)
    assert (min_weight >= 0).all() and min_weight.max() == 4  # covering radius 4
    assert int((min_weight == 4).sum()) == 1771
    assert set(ties[min_weight == 4].tolist()) == {6} and (ties[min_weight < 4] == 1).all()
    assert abs((ties > 1).mean() - 0.432) < 0.001
    check_complete_decoding(c, np.arange(2**24, dtype=np.uint32), columns, leader, min_weight)


def test_extended_golay_sample_against_all_codewords():
    c = Golay(extended=True)
    words = np.random.default_rng(24).integers(0, 2**24, size=3000, dtype=np.uint32)
    nearest, count, canonical = brute_force_nearest(words, golay_codewords(True))
    msgs, err = c.decode(words, packed=True, errors=True)
    pattern = words ^ c.encode(msgs, packed=True)
    assert np.array_equal(err, nearest.astype(np.int16))
    assert np.array_equal(pattern, canonical)
    tied = (count > 1).mean()
    assert 0.40 < tied < 0.46  # 43.2% of all words are tied
    assert set(count[nearest == 4].tolist()) == {6}
    # the bounded decoder gives up exactly on the words beyond t = 3
    bounded_msgs, bounded_err = code("golay24", "bounded").decode(words, packed=True,
                                                                  errors=True)
    far = nearest == 4
    assert np.array_equal(bounded_err, np.where(far, -1, nearest.astype(np.int16)))
    assert np.array_equal(bounded_msgs[~far], msgs[~far])
    assert np.array_equal(bounded_msgs[far], (words[far] >> 12).astype(np.uint16))


@pytest.mark.parametrize(("r", "tied"), [(3, 7 / 16), (4, 15 / 32)])
def test_extended_hamming_every_word_canonical(r, tied):
    """Every word of the extended Hamming (8,4) and (16,11) codes against brute force over all
    codewords; the tied fraction is (2^r - 1) / 2^(r+1): every coset of weight 2."""
    c = Hamming(r, extended=True)
    codewords = hamming_codewords(r, True)
    words = np.arange(2**c.n, dtype=np.uint64)
    nearest = np.empty(words.shape, dtype=np.int64)
    count = np.empty(words.shape, dtype=np.int64)
    canonical = np.empty(words.shape, dtype=np.uint64)
    for lo in range(0, words.size, 4096):
        part = slice(lo, lo + 4096)
        nearest[part], count[part], canonical[part] = brute_force_nearest(words[part], codewords)
    dtype = c.encode(0, packed=True).dtype
    msgs, err = c.decode(words.astype(dtype), packed=True, errors=True)
    pattern = words ^ c.encode(msgs, packed=True).astype(np.uint64)
    assert nearest.max() == 2
    assert np.array_equal(err.astype(np.int64), nearest)
    assert np.array_equal(pattern, canonical)
    assert (count > 1).mean() == tied


@pytest.mark.parametrize("r", [3, 4, 5, 6])
def test_extended_hamming_every_coset_canonical(r):
    """Extended Hamming codes up to (64,57): one word per coset and a random sample decode to
    the canonical leader found by enumerating every pattern of weight <= 2."""
    c = Hamming(r, extended=True)
    columns = cyclic_columns(PRIMITIVE_POLYNOMIALS[r], c.n, extended=True)
    min_weight, leader, ties = canonical_leaders(columns, r + 1, 2)
    assert (min_weight >= 0).all() and min_weight.max() == 2
    assert (ties > 1).mean() == (2**r - 1) / 2 ** (r + 1)
    dtype = c.encode(0, packed=True).dtype
    cosets = np.arange(2 ** (r + 1), dtype=np.uint64).astype(dtype)
    check_complete_decoding(c, cosets, columns, leader, min_weight)
    rng = np.random.default_rng(r)
    words = rng.integers(0, 2**c.n - 1, size=20000, dtype=np.uint64, endpoint=True)
    check_complete_decoding(c, words.astype(dtype), columns, leader, min_weight)


@pytest.mark.parametrize(
    ("name", "covering", "tied_cosets"),
    [("bch63,51", 3, 2079), ("bch60,48", 4, None), ("bch31,21", 3, None)],
)
def test_bch_complete_decoding_canonical(name, covering, tied_cosets):
    """Complete decoding of double-error-correcting BCH codes: the covering radius (3 for the
    primitive codes, 4 for the shortened BCH(60,48)), every coset's canonical leader (via one
    word per coset) and a random sample against brute force over all low-weight patterns."""
    c = code(name)
    n, r = c.n, c.n - c.k
    columns = cyclic_columns(c.generator_poly, n)
    min_weight, leader, ties = canonical_leaders(columns, r, covering)
    assert (min_weight >= 0).all() and int(min_weight.max()) == covering
    if tied_cosets is not None:
        heaviest = min_weight == covering
        assert int(heaviest.sum()) == tied_cosets  # all 2079 weight-3 cosets of BCH(63,51)
        assert (ties[heaviest] > 1).all()
        assert abs(heaviest.mean() - 0.508) < 0.001
        assert 9 < ties[heaviest].mean() < 11  # about ten leaders each
    dtype = c.encode(0, packed=True).dtype
    # one word per coset: the parity-only word s has syndrome s
    check_complete_decoding(c, np.arange(2**r, dtype=np.uint64).astype(dtype), columns,
                            leader, min_weight)
    words = np.random.default_rng(n).integers(0, 2**n, size=20000, dtype=np.uint64)
    check_complete_decoding(c, words.astype(dtype), columns, leader, min_weight)


def test_bounded_succeeds_exactly_within_t():
    """BCH(63,51): on random words the bounded decoder succeeds exactly where the complete
    decoder's distance is <= t (about 49% of words), with the same message."""
    words = np.random.default_rng(6351).integers(0, 2**63, size=50000, dtype=np.uint64)
    full, full_err = code("bch63,51", "complete").decode(words, packed=True, errors=True)
    part, part_err = code("bch63,51", "bounded").decode(words, packed=True, errors=True)
    ok = full_err <= 2
    assert np.array_equal(part_err >= 0, ok)
    assert np.array_equal(part[ok], full[ok]) and np.array_equal(part_err[ok], full_err[ok])
    assert np.array_equal(part[~ok], (words[~ok] >> np.uint64(12)))
    assert abs(ok.mean() - 2017 / 4096) < 0.01


# ---------------------------------------------------------------- hypothesis properties

PROPERTY_CODES = [
    "hamming2", "hamming3", "ehamming4", "hamming7", "ehamming7", "golay", "golay24",
    "bch15,7", "bch31,16", "bch63,51", "bch60,48", "bch70,56", "bch127,113", "bch255,239",
    "bch255,223", "bch248,216",
]


def decoders(name: str) -> list[str]:
    c = code(name)
    return ["complete", "bounded"] if c.n - c.k <= MAX_TABLE_REDUNDANCY else ["bounded"]


PROPERTY_CASES = [(name, dec) for name in PROPERTY_CODES for dec in decoders(name)]


@st.composite
def error_patterns(draw, n: int, max_weight: int) -> int:
    positions = draw(st.sets(st.integers(0, n - 1), max_size=max_weight))
    return sum(1 << (n - 1 - p) for p in positions)


@pytest.mark.parametrize(("name", "decoder"), PROPERTY_CASES)
@given(data=st.data())
def test_property_corrects_up_to_t_errors(name, decoder, data):
    c = code(name, decoder)
    n, k, t = c.n, c.k, c.t
    count = data.draw(st.integers(1, 4), label="count")
    msgs = data.draw(st.lists(st.integers(0, 2**k - 1), min_size=count, max_size=count))
    errs = data.draw(st.lists(error_patterns(n, t), min_size=count, max_size=count))
    codewords = packed_to_int(c.encode(int_to_packed(msgs, k), packed=True), n)
    words = [w ^ e for w, e in zip(codewords, errs, strict=True)]
    got, err = c.decode(int_to_packed(words, n), packed=True, errors=True)
    assert packed_to_int(got, k) == msgs
    assert err.tolist() == [e.bit_count() for e in errs]
    bit_words = np.array([int_bits(w, n) for w in words])
    assert [bits_int(m) for m in c.decode(bit_words)] == msgs
    assert bits_int(c.decode(bit_words[0])) == msgs[0]


@pytest.mark.parametrize(("name", "decoder"), PROPERTY_CASES)
@given(data=st.data())
def test_property_merge_inverts_split(name, decoder, data):
    c = code(name, decoder)
    n, k = c.n, c.k
    rows = data.draw(st.integers(1, 3), label="rows")
    cols = data.draw(st.integers(1, 3), label="cols")
    values = data.draw(st.lists(st.integers(0, 2**n - 1), min_size=rows * cols,
                                max_size=rows * cols))
    # bits, 1-D (one word) and 2-D (a batch) and 3-D
    bits = np.array([int_bits(v, n) for v in values])
    for shaped in (bits[0], bits, bits.reshape(rows, cols, n)):
        msgs, syn = c.split(shaped)
        assert msgs.shape == (*shaped.shape[:-1], k)
        assert syn.shape == (*shaped.shape[:-1], n - k)
        assert np.array_equal(msgs, c.decode(shaped))
        assert np.array_equal(syn, c.syndrome(shaped))
        assert np.array_equal(c.merge(msgs, syn), shaped)
    # packed, 1-D and 2-D batches
    packed = int_to_packed(values, n)
    tail = packed.shape[1:]
    for shaped in (packed, packed.reshape((rows, cols, *tail))):
        msgs, syn = c.split(shaped, packed=True)
        assert np.array_equal(c.merge(msgs, syn, packed=True), shaped)
        assert packed_to_int(msgs, k) == packed_to_int(c.decode(packed, packed=True), k)


@pytest.mark.parametrize("name", PROPERTY_CODES)
@given(data=st.data())
def test_property_syndromes_are_linear(name, data):
    c = code(name)
    n, k = c.n, c.k
    a, b = (data.draw(st.integers(0, 2**n - 1)) for _ in range(2))
    msg = data.draw(st.integers(0, 2**k - 1))
    syn = packed_to_int(c.syndrome(int_to_packed([a, b, a ^ b], n), packed=True), n - k)
    assert syn[2] == syn[0] ^ syn[1]
    codeword = c.encode(int_to_packed([msg], k), packed=True)
    assert packed_to_int(c.syndrome(codeword, packed=True), n - k) == [0]
    assert packed_to_int(codeword, n)[0] >> (n - k) == msg  # systematic: message first
    # bits agree with packed
    bits = np.array([int_bits(a, n), int_bits(b, n)])
    assert [bits_int(s) for s in c.syndrome(bits)] == syn[:2]


CYCLIC_GENERATORS = {
    "hamming3": PRIMITIVE_POLYNOMIALS[3], "hamming7": PRIMITIVE_POLYNOMIALS[7],
    "golay": GOLAY_GENERATOR,
    **{name: code(name).generator_poly for name in PROPERTY_CODES if name.startswith("bch")},
}


@pytest.mark.parametrize("name", sorted(CYCLIC_GENERATORS))
@given(data=st.data())
def test_property_syndrome_is_remainder_for_cyclic_codes(name, data):
    """For the cyclic codes (Hamming, Golay, BCH, shortened BCH) the syndrome of w is
    w(x) mod g(x)."""
    c = code(name)
    g = CYCLIC_GENERATORS[name]
    word = data.draw(st.integers(0, 2**c.n - 1))
    syn = packed_to_int(c.syndrome(int_to_packed([word], c.n), packed=True), c.n - c.k)[0]
    assert syn == polymod(word, g)


# ---------------------------------------------------------------- backends and threads

def everything(c, words: np.ndarray, msgs: np.ndarray) -> dict[str, np.ndarray]:
    """Every coding operation of a code on packed words / messages, and on bits."""
    out = {}
    out["encode"] = c.encode(msgs, packed=True)
    out["syndrome"] = c.syndrome(words, packed=True)
    out["decode"], out["errors"] = c.decode(words, packed=True, errors=True)
    out["decode_only"] = c.decode(words, packed=True)  # a kernel of its own
    out["split_msgs"], out["split_syn"] = c.split(words, packed=True)
    out["merge"] = c.merge(out["split_msgs"], out["split_syn"], packed=True)
    out["merge_any"] = c.merge(msgs, out["syndrome"], packed=True)
    values = packed_to_int(words[:64], c.n)
    word_bits = np.array([int_bits(v, c.n) for v in values], dtype=np.uint8).reshape(-1, c.n)
    out["decode_bits"] = c.decode(word_bits)
    out["merge_bits"] = c.merge(*c.split(word_bits))
    return out


BACKEND_CODES = [
    ("hamming3", "complete"), ("ehamming4", "complete"), ("hamming5", "complete"),
    ("hamming6", "bounded"), ("hamming7", "complete"),
    ("hamming7", "bounded"), ("golay", "complete"), ("golay", "bounded"),
    ("golay24", "complete"), ("bch63,51", "complete"), ("bch63,51", "bounded"),
    ("bch60,48", "complete"), ("bch70,56", "bounded"), ("bch127,113", "complete"),
    ("bch255,223", "bounded"), ("bch248,216", "bounded"),
]


@pytest.mark.parametrize(("name", "decoder"), BACKEND_CODES)
def test_backends_agree_bit_for_bit(name, decoder, monkeypatch):
    """Fresh code objects built and run entirely under each backend give identical results
    on every operation (tables included)."""
    results = {}
    built = []
    for backend in ("compiled", "reference"):
        monkeypatch.setenv("INFORED_BACKEND", backend)
        c = fresh_code(name, decoder)
        assert all(c is not other for other in built) and c == code(name, decoder)
        built.append(c)
        rng = np.random.default_rng(7)
        words = random_packed(rng, 400, c.n)
        msgs = random_packed(rng, 400, c.k)
        results[backend] = everything(c, words, msgs)
    for key, value in results["compiled"].items():
        other = results["reference"][key]
        assert value.dtype == other.dtype and value.shape == other.shape, key
        assert np.array_equal(value, other), key


@pytest.mark.parametrize(("name", "decoder"), BACKEND_CODES)
@settings(
    # each example runs every operation on both backends: a quarter of the profile's budget
    max_examples=max(5, settings.default.max_examples // 4),
    # the environment variable set through monkeypatch is meant to persist across examples
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(seed=st.integers(0, 2**32 - 1), count=st.integers(0, 40))
def test_property_backends_agree(name, decoder, seed, count, monkeypatch):
    c = code(name, decoder)
    warm(c, monkeypatch)
    rng = np.random.default_rng(seed)
    words = random_packed(rng, count, c.n)
    msgs = random_packed(rng, count, c.k)
    results = {}
    for backend in ("compiled", "reference"):
        monkeypatch.setenv("INFORED_BACKEND", backend)
        results[backend] = everything(c, words, msgs)
    for key, value in results["compiled"].items():
        assert np.array_equal(value, results["reference"][key]), key


THREAD_CODES = [("golay", "complete"), ("golay24", "bounded"), ("bch63,51", "complete"),
                ("hamming7", "complete"), ("bch255,223", "bounded")]


@pytest.mark.parametrize(("name", "decoder"), THREAD_CODES)
def test_two_threads_equal_one(name, decoder, threads):
    c = code(name, decoder)
    rng = np.random.default_rng(2)
    count = 3 * 2**16 + 12345
    words = random_packed(rng, count, c.n)
    msgs = random_packed(rng, count, c.k)
    bits = rng.integers(0, 2, size=(2**17 + 1, c.n), dtype=np.uint8)
    results = {}
    for workers in (1, 2):
        threads(workers)
        out = everything(c, words, msgs)
        out["bits_decode"], out["bits_errors"] = c.decode(bits, errors=True)
        out["bits_merge"] = c.merge(*c.split(bits))
        results[workers] = out
    for key, value in results[1].items():
        assert np.array_equal(value, results[2][key]), key
    assert np.array_equal(results[2]["bits_merge"], bits)
    assert np.array_equal(results[2]["merge"], words)
