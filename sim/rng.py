"""Random numbers for common random numbers (CRN) across scenarios.

Two kinds, both derived from the replication's seed and a process name:

- ``streams[name]``: a sequential generator, for setup (identical in every scenario of a
  replication) and for draws that are not tied to a person or provider.
- ``streams.keyed(name).uniform(keys, week)``: counter-based uniforms that depend only on
  (seed, process, week, key), where a key identifies a resident, a provider or a cell. The
  same person gets the same number for the same process in the same week in every scenario,
  whatever else differs (how many people there are, the order of rows, which subset a rule
  looks at), so paired differences between scenarios stay small over long runs.
"""

from __future__ import annotations

import math
import zlib

import numpy as np

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
_TO_UNIT = 1.0 / float(1 << 53)
_MASK = (1 << 64) - 1
#: Arrays up to this size are mixed with Python integers: numpy's per-call cost dominates
#: there (the results are the same bits either way).
SMALL = 16


def mix64(x: np.ndarray) -> np.ndarray:
    """The SplitMix64 finaliser: a bijective mix of 64-bit words (a uint64 array; array
    arithmetic wraps silently). The argument is left alone."""
    return _mix_in_place(np.array(x, dtype=np.uint64))


def _mix_in_place(x: np.ndarray) -> np.ndarray:
    """``mix64`` overwriting ``x`` (a uint64 array), with one temporary array."""
    shifted = x >> _S30
    x ^= shifted
    x *= _M1
    np.right_shift(x, _S27, out=shifted)
    x ^= shifted
    x *= _M2
    np.right_shift(x, _S31, out=shifted)
    x ^= shifted
    return x


def _to_unit(x: np.ndarray) -> np.ndarray:
    """Mixed words (overwritten) to uniforms strictly between 0 and 1: the top 53 bits."""
    np.right_shift(x, _S11, out=x)
    u = x.astype(np.float64)
    u += 0.5
    u *= _TO_UNIT
    return u


def _mix_int(x: int) -> int:
    """``mix64`` of one word as a Python integer."""
    x ^= x >> 30
    x = (x * 0xBF58476D1CE4E5B9) & _MASK
    x ^= x >> 27
    x = (x * 0x94D049BB133111EB) & _MASK
    return x ^ (x >> 31)


def _words(values) -> np.ndarray:
    """uint64 array of at least one dimension (scalar arithmetic would warn on wrapping)."""
    return np.atleast_1d(np.asarray(values, dtype=np.uint64))


def combine(a, b) -> np.ndarray:
    """One 64-bit key from two (e.g. a resident's key and a provider row)."""
    a, b = _words(a), _words(b)
    if a.size <= SMALL and b.size <= SMALL and max(a.ndim, b.ndim) == 1:
        a_list, b_list = a.tolist(), b.tolist()
        pairs = zip(a_list * len(b_list) if len(a_list) == 1 else a_list,
                    b_list * len(a_list) if len(b_list) == 1 else b_list, strict=True)
        return np.array([_mix_int(((x * 0x9E3779B97F4A7C15) & _MASK) ^
                                  _mix_int((y + 0x9E3779B97F4A7C15) & _MASK))
                         for x, y in pairs], dtype=np.uint64)
    return _mix_in_place((a * _GOLDEN) ^ _mix_in_place(b + _GOLDEN))


class KeyedStream:
    """Uniforms in (0, 1) that depend only on this stream, the week and each key."""

    def __init__(self, words: np.ndarray):
        self._k1, self._k2 = np.uint64(words[0]), int(words[1])
        self._week = -1

    def _set_week(self, week: int) -> None:
        """The week's word, mix64(week * golden + k2), in integer arithmetic (one word)."""
        if week != self._week:
            self._week = week
            self._week_int = _mix_int((week * 0x9E3779B97F4A7C15 + self._k2) & _MASK)
            self._week_word = np.uint64(self._week_int)

    def premix(self, keys) -> np.ndarray:
        """The part of each key's draw that is the same every week: ``uniform_below`` takes
        it (kept by the resident table for draws over everyone, so these cost one mix a
        week instead of two)."""
        return _mix_in_place(np.asarray(keys, dtype=np.uint64) ^ self._k1)

    def uniform_below(self, premixed: np.ndarray, week: int, chance: float
                      ) -> tuple[np.ndarray, np.ndarray]:
        """Rows whose uniform this week (as ``uniform`` gives for their keys) is below
        ``chance``, and those uniforms. The test is made on the integers, so only the rows
        found are turned into floats."""
        self._set_week(week)
        x = premixed ^ self._week_word
        _mix_in_place(x)
        if chance < 0.5:  # u < chance <=> (x >> 11) + 0.5 < chance * 2**53, exactly here
            limit = math.ceil(chance * 2.0 ** 53 - 0.5)
            rows = np.flatnonzero(x < np.uint64(limit << 11))
        else:
            rows = np.flatnonzero(_to_unit(x.copy()) < chance)
        return rows, _to_unit(x[rows])

    def uniform(self, keys, week: int = 0) -> np.ndarray:
        """One uniform per key for this week (keys: an array)."""
        self._set_week(week)
        keys = np.asarray(keys, dtype=np.uint64)
        if keys.size <= SMALL:
            k1, week_word = int(self._k1), self._week_int
            return np.array([((_mix_int(_mix_int(k ^ k1) ^ week_word) >> 11) + 0.5) * _TO_UNIT
                             for k in keys.ravel().tolist()]).reshape(keys.shape)
        x = _mix_in_place(keys ^ self._k1)
        x ^= self._week_word
        return _to_unit(_mix_in_place(x))


class RandomStreams:
    """Lazily created generators and keyed streams, by process name."""

    def __init__(self, seed: np.random.SeedSequence | int):
        self.seed = seed if isinstance(seed, np.random.SeedSequence) \
            else np.random.SeedSequence(seed)
        self._streams: dict[str, np.random.Generator] = {}
        self._keyed: dict[str, KeyedStream] = {}

    def _child(self, name: str, kind: int) -> np.random.SeedSequence:
        key = (*self.seed.spawn_key, zlib.crc32(name.encode())) + ((kind,) if kind else ())
        return np.random.SeedSequence(entropy=self.seed.entropy, spawn_key=key)

    def __getitem__(self, name: str) -> np.random.Generator:
        if name not in self._streams:
            self._streams[name] = np.random.Generator(np.random.PCG64(self._child(name, 0)))
        return self._streams[name]

    def keyed(self, name: str) -> KeyedStream:
        """The keyed stream of process ``name``."""
        if name not in self._keyed:
            self._keyed[name] = KeyedStream(self._child(name, 1).generate_state(
                2, dtype=np.uint64))
        return self._keyed[name]


def poisson_from_uniform(u: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """Poisson draws by inverting the CDF at uniforms ``u`` (monotone in ``u`` and in the
    mean, so a small change in a mean changes its draw little). Means are small here (a
    week's events in a cell), so the loop runs a few times."""
    u, mean = np.broadcast_arrays(np.asarray(u, float), np.asarray(mean, float))
    count = np.zeros(u.shape, dtype=np.int64)
    pmf = np.exp(-mean)
    cdf = pmf.copy()
    j = 0
    while True:
        above = u > cdf
        if not above.any():
            return count
        count += above
        j += 1
        pmf = pmf * mean / j
        cdf = cdf + pmf
        if j > 10_000:
            raise ValueError("Poisson mean too large for inversion")
