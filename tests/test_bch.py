"""The algebraic bounded-distance BCH decoder, against galois, brute-force coset tables and
its NumPy twin."""

from __future__ import annotations

import os

os.environ.setdefault("NUMBA_NUM_THREADS", "1")  # galois' numba kernels stall with threads

import numpy as np
import pytest
from conftest import random_packed
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import infored
from infored import BCH, ArgumentError
from infored._kernels import bch as _bch
from infored._kernels import table as _table

BACKENDS = ("compiled", "reference")


# ---------------------------------------------------------------- helpers

@pytest.fixture(params=BACKENDS)
def backend(request, monkeypatch):
    monkeypatch.setenv("INFORED_BACKEND", request.param)
    return request.param


def random_bits(rng, count, n):
    return rng.integers(0, 2, size=(count, n), dtype=np.uint8)


def with_errors(rng, words, weights):
    """Flip weights[i] distinct random positions of row i."""
    count, n = words.shape
    order = np.argsort(rng.random((count, n)), axis=1)
    flips = np.zeros_like(words)
    np.put_along_axis(flips, order, (np.arange(n)[None, :] < weights[:, None]).astype(np.uint8), 1)
    return words ^ flips


def shift_right(words, r, out_limbs):
    """Packed words >> r as (N, out_limbs) uint64 limbs (numpy, independent of the kernels)."""
    words = words.reshape(words.shape[0], -1).astype(np.uint64)
    count, W = words.shape
    out = np.zeros((count, out_limbs), dtype=np.uint64)
    a, o = divmod(r, 64)
    for q in range(out_limbs):
        if q + a < W:
            out[:, q] = words[:, q + a] >> np.uint64(o)
        if o and q + a + 1 < W:
            out[:, q] |= words[:, q + a + 1] << np.uint64(64 - o)
    return out


def popcount_rows(words):
    words = words.reshape(words.shape[0], -1).astype(np.uint64)
    return np.bitwise_count(words).sum(axis=1)


# ---------------------------------------------------------------- galois oracle

_GALOIS: dict[tuple[int, int], object] = {}


def galois_code(n, k):
    """galois.BCH of the full length; shortened words are decoded by the same instance."""
    import galois

    if (n, k) not in _GALOIS:
        _GALOIS[(n, k)] = galois.BCH(n, k)
    return _GALOIS[(n, k)]


# (our n, our k, galois full-length n, k): t = 4, full and shortened. Single-word codes and
# t >= 5 are checked against brute-force coset tables below (every coset of BCH(31, 11)).
GALOIS_CODES = [(255, 223, 255, 223), (248, 216, 255, 223)]


@pytest.mark.parametrize(("n", "k", "gn", "gk"), GALOIS_CODES)
def test_matches_galois_up_to_t_errors(n, k, gn, gk, backend):
    code, ref = BCH(n, k), galois_code(gn, gk)
    assert code.t == ref.t
    rng = np.random.default_rng(n + k)
    count = 300
    msgs = random_bits(rng, count, k)
    weights = rng.integers(0, code.t + 1, size=count)
    words = with_errors(rng, code.encode(msgs), weights)
    got, err = code.decode(words, errors=True)
    want, want_err = ref.decode(words, errors=True)
    assert (np.asarray(want) == msgs).all()
    assert (got == msgs).all()
    assert (err == weights).all()
    assert (err == np.asarray(want_err)).all()


@pytest.mark.parametrize(("n", "k", "gn", "gk"), GALOIS_CODES)
def test_matches_galois_beyond_t(n, k, gn, gk, backend):
    code, ref = BCH(n, k), galois_code(gn, gk)
    rng = np.random.default_rng(7 * n + k)
    count = 400
    near = with_errors(rng, code.encode(random_bits(rng, count, k)),
                       rng.integers(code.t + 1, code.t + 3, size=count))
    words = np.vstack([random_bits(rng, count, n), near])
    got, err = code.decode(words, errors=True)
    want, want_err = ref.decode(words, errors=True)
    want, want_err = np.asarray(want), np.asarray(want_err)
    assert (err == want_err).all()
    assert (got == want).all()
    failed = err < 0
    assert failed.any() and (~failed).any()
    assert (got[failed] == words[failed, :k]).all()


# ---------------------------------------------------------------- brute-force coset oracle

# small codes whose bounded table decoder (brute-force coset leaders) is an independent oracle:
# every coset is one word (message 0, parity = the syndrome)
COSET_CODES = [(15, 7), (15, 5), (31, 16), (31, 11), (63, 51), (60, 48), (63, 45), (58, 40),
               (127, 113), (255, 239)]


@pytest.mark.parametrize(("n", "k"), COSET_CODES)
def test_every_coset_matches_brute_force(n, k, monkeypatch):
    monkeypatch.setenv("INFORED_BACKEND", "compiled")
    table = BCH(n, k, decoder="bounded")
    assert not table._algebraic
    dec = table._bounded
    r = n - k
    syndromes = np.arange(1 << r, dtype=np.uint64)
    if n <= 64:
        words = syndromes.astype(_table.word_dtype(n))
    else:
        words = np.zeros((1 << r, _table.limb_count(n)), dtype=np.uint64)
        words[:, 0] = syndromes
    msgs, err = _bch.decode(dec, words, True)
    want, want_err = table.decode(words, errors=True, packed=True)
    assert (err == want_err).all()
    assert (msgs == want).all()
    count, pos = _bch.locate(dec, words)
    assert (count == want_err).all()
    lead = table._leaders
    ok = count >= 0
    width = min(pos.shape[1], lead.positions.shape[1])
    assert (pos[ok, :width] == lead.positions[syndromes[ok].astype(np.int64), :width]).all()
    # more weights than t appear, so failures are exercised
    assert (err < 0).any() and (err == table.t).any()


def test_coset_subset_reference_twin(monkeypatch):
    monkeypatch.setenv("INFORED_BACKEND", "reference")
    table = BCH(31, 11, decoder="bounded")
    words = np.random.default_rng(3).choice(1 << 20, size=1500, replace=False).astype(np.uint32)
    msgs, err = _bch.decode(table._bounded, words, True)
    want, want_err = table.decode(words, errors=True, packed=True)
    assert (err == want_err).all() and (msgs == want).all()


# ---------------------------------------------------------------- backends agree

PARITY_CODES = [(63, 36), (63, 30), (255, 223), (200, 160), (255, 191), (1023, 943), (127, 64)]


@pytest.mark.parametrize(("n", "k"), PARITY_CODES)
def test_compiled_and_reference_agree(n, k, monkeypatch):
    code = BCH(n, k)
    assert code._algebraic
    rng = np.random.default_rng(n * k)
    count = 400
    weights = rng.integers(0, code.t + 3, size=count)
    bits = np.vstack([random_bits(rng, count, n),
                      with_errors(rng, code.encode(random_bits(rng, count, k)), weights)])
    words = infored.pack_bits(bits)
    results = {}
    for name in BACKENDS:
        monkeypatch.setenv("INFORED_BACKEND", name)
        msgs, err = code.decode(words, errors=True, packed=True)
        count_, pos = _bch.locate(code._bounded, _table.pack(bits))
        kept, syn = code.split(words, packed=True)
        results[name] = (msgs, err, count_, pos, kept, syn, code.merge(kept, syn, packed=True))
    for a, b in zip(results["compiled"], results["reference"], strict=True):
        assert a.dtype == b.dtype and a.shape == b.shape
        assert (a == b).all()
    err = results["compiled"][1]
    assert (err[count:] == np.where(weights <= code.t, weights, err[count:])).all()


@pytest.mark.parametrize("m", [5, 6, 7])
def test_every_designed_distance(m, monkeypatch):
    """Every BCH code of GF(2^m), full length and shortened, up to the largest t: words with
    up to t errors are corrected, and both backends agree on random words."""
    from infored.codes.bch import _generators

    rng = np.random.default_rng(m)
    order = (1 << m) - 1
    for t, generator in sorted(_generators(m).items()):
        r = generator.bit_length() - 1
        for n in [order, order - 5] if order - 5 > r else [order]:
            k = n - r
            code = BCH(n, k, decoder="bounded")
            count = 100
            msgs = random_bits(rng, count, k)
            weights = rng.integers(0, t + 1, size=count)
            words = infored.pack_bits(np.vstack([
                with_errors(rng, code.encode(msgs), weights), random_bits(rng, count, n)]))
            results = []
            for name in BACKENDS:
                monkeypatch.setenv("INFORED_BACKEND", name)
                results.append(_bch.decode(code._bounded, words, True))
            (got, err), (ref, ref_err) = results
            assert (err[:count] == weights).all(), (n, k, t)
            assert (infored.unpack_bits(got[:count], k) == msgs).all(), (n, k, t)
            assert (got == ref).all() and (err == ref_err).all(), (n, k, t)


def test_threads_give_the_same_result(monkeypatch):
    monkeypatch.setenv("INFORED_BACKEND", "compiled")
    code = BCH(255, 223)
    words = random_packed(np.random.default_rng(11), 3 * (1 << 16), 255)
    monkeypatch.setenv("INFORED_NUM_THREADS", "1")
    one = code.decode(words, errors=True, packed=True)
    monkeypatch.setenv("INFORED_NUM_THREADS", "2")
    two = code.decode(words, errors=True, packed=True)
    assert (one[0] == two[0]).all() and (one[1] == two[1]).all()


# ---------------------------------------------------------------- properties

PROPERTY_CODES = [BCH(255, 223), BCH(63, 36), BCH(1023, 943), BCH(200, 160), BCH(127, 64)]


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), index=st.integers(0, len(PROPERTY_CODES) - 1))
def test_corrects_every_pattern_up_to_t(data, index):
    code = PROPERTY_CODES[index]
    n, k, t = code.n, code.k, code.t
    msg = np.array(data.draw(st.lists(st.integers(0, 1), min_size=k, max_size=k)), np.uint8)
    positions = sorted(data.draw(st.sets(st.integers(0, n - 1), max_size=t)))
    word = code.encode(msg)
    word[positions] ^= 1
    got, err = code.decode(word, errors=True)
    assert (got == msg).all()
    assert int(err) == len(positions)
    _, pos = _bch.locate(code._bounded, infored.pack_bits(word[None]))
    assert pos[0, : len(positions)].tolist() == positions
    assert (pos[0, len(positions):] == -1).all()


@settings(deadline=None)
@given(data=st.data(), index=st.integers(0, len(PROPERTY_CODES) - 1))
def test_merge_inverts_split(data, index):
    code = PROPERTY_CODES[index]
    n = code.n
    seed = data.draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    near = with_errors(rng, code.encode(random_bits(rng, 8, code.k)),
                       rng.integers(0, code.t + 2, size=8))
    words = np.vstack([random_bits(rng, 8, n), near])
    kept, syn = code.split(words)
    assert syn.shape == (16, n - code.k)
    assert (code.merge(kept, syn) == words).all()
    packed = infored.pack_bits(words)
    pkept, psyn = code.split(packed, packed=True)
    assert (code.merge(pkept, psyn, packed=True) == packed).all()


@pytest.mark.parametrize(("n", "k"), [(63, 36), (255, 223), (1023, 943), (200, 160)])
def test_merge_inverts_split_in_bulk(n, k, backend):
    code = BCH(n, k)
    rng = np.random.default_rng(n - k)
    count = 2000 if backend == "compiled" else 300
    words = np.vstack([
        random_packed(rng, count, n),
        infored.pack_bits(with_errors(rng, code.encode(random_bits(rng, count, k)),
                                      rng.integers(0, code.t + 1, size=count))),
    ])
    kept, syn = code.split(words, packed=True)
    assert (code.merge(kept, syn, packed=True) == words).all()
    # the messages are the decoded ones and the syndromes those of the words
    assert (kept == code.decode(words, packed=True)).all()
    assert (syn == code.syndrome(words, packed=True)).all()


# ---------------------------------------------------------------- no false decodes

# t = 5 .. 8 at m = 8, t = 8 at m = 10, shortened t = 5 and single-word t = 5
FALSE_DECODE_CODES = [(255, 215), (255, 207), (255, 199), (255, 191), (1023, 943), (200, 160),
                      (63, 36)]


def check_reported_successes(code, words):
    """Every success re-encodes to a codeword within its reported distance <= t of the input;
    every failure keeps the received message. Returns the number of successes."""
    msgs, err = code.decode(words, errors=True, packed=True)
    ok = err >= 0
    assert (err <= code.t).all()
    kl = _table.limb_count(code.k)
    got = msgs.reshape(msgs.shape[0], -1).astype(np.uint64)
    assert (got[~ok] == shift_right(words[~ok], code.n - code.k, kl)).all()
    if ok.any():
        codewords = code.encode(msgs[ok], packed=True)
        assert (code.syndrome(codewords, packed=True) == 0).all()
        diff = codewords.reshape(codewords.shape[0], -1).astype(np.uint64) ^ \
            words[ok].reshape(codewords.shape[0], -1).astype(np.uint64)
        assert (popcount_rows(diff) == err[ok]).all()
    return int(ok.sum())


@pytest.mark.slow
@pytest.mark.parametrize(("n", "k"), FALSE_DECODE_CODES)
def test_no_false_decodes_on_a_million_random_words(n, k, monkeypatch):
    monkeypatch.setenv("INFORED_BACKEND", "compiled")
    code = BCH(n, k)
    assert code.t >= 5
    rng = np.random.default_rng(n * 1000 + k)
    total, block = 10**6, 250_000
    successes = 0
    for _ in range(total // block):
        successes += check_reported_successes(code, random_packed(rng, block, n))
    # words just beyond t of a codeword are where a careless decoder miscorrects
    near = with_errors(rng, code.encode(random_bits(rng, 20_000, k)),
                       rng.integers(code.t + 1, code.t + 4, size=20_000))
    check_reported_successes(code, infored.pack_bits(near))
    # the expected success fraction sum_{i<=t} C(n, i) / 2**(n-k) is met within noise
    from math import comb

    expected = total * sum(comb(n, i) for i in range(code.t + 1)) / 2 ** (n - k)
    assert abs(successes - expected) <= 6 * np.sqrt(expected) + 1


def test_no_false_decodes_reference_twin(monkeypatch):
    monkeypatch.setenv("INFORED_BACKEND", "reference")
    code = BCH(63, 36)
    rng = np.random.default_rng(5)
    assert check_reported_successes(code, random_packed(rng, 4000, 63)) > 0


# ---------------------------------------------------------------- tables and misuse

def test_field_tables_against_the_primitive_polynomial():
    from infored.codes._cyclic import PRIMITIVE_POLYNOMIALS

    for m in (3, 6, 8, 10):
        exp, log = _bch.field_tables(m)
        order = (1 << m) - 1
        assert sorted(exp[:order].tolist()) == list(range(1, 1 << m))
        # alpha is a root of the primitive polynomial: sum of its terms at alpha is zero
        poly = PRIMITIVE_POLYNOMIALS[m]
        acc = 0
        for i in range(m + 1):
            if poly >> i & 1:
                acc ^= int(exp[i % order])
        assert acc == 0
        assert (exp[log[exp[:order]]] == exp[:order]).all()


def test_quadratic_table_solves_y2_plus_y():
    dec = _bch.Decoder(m=8, n=255, k=223, t=4)
    exp, log = dec.field
    c = np.arange(1, 256)
    y = dec.qsol[c].astype(np.int64)
    y_sq = np.where(y > 0, exp[(2 * log[y].astype(np.int64)) % 255], 0)
    solved = y > 0
    assert ((y_sq ^ y)[solved] == c[solved]).all()
    # exactly half of GF(2^8) (trace zero) is y^2 + y; c = 0 is solved by y = 0 only
    assert solved.sum() == 127


def test_large_codes_are_bounded_only():
    code = BCH(255, 223)
    assert code.decoder == "bounded" and code._algebraic
    with pytest.raises(ArgumentError, match="bounded"):
        BCH(255, 223, decoder="complete")
    with pytest.raises(ArgumentError, match="words"):
        code.decode(np.zeros((3, 254), dtype=np.uint8))
