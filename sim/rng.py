"""Named random streams: one generator per random process (common random numbers).

Replication ``r`` of every scenario gets the same SeedSequence, and each process draws from
its own stream derived from that seed and the stream's name, so a scenario that changes one
process does not reshuffle the draws of the others.
"""

from __future__ import annotations

import zlib

import numpy as np


class RandomStreams:
    """Lazily created generators keyed by process name."""

    def __init__(self, seed: np.random.SeedSequence | int):
        self.seed = seed if isinstance(seed, np.random.SeedSequence) \
            else np.random.SeedSequence(seed)
        self._streams: dict[str, np.random.Generator] = {}

    def __getitem__(self, name: str) -> np.random.Generator:
        if name not in self._streams:
            child = np.random.SeedSequence(
                entropy=self.seed.entropy,
                spawn_key=(*self.seed.spawn_key, zlib.crc32(name.encode())),
            )
            self._streams[name] = np.random.Generator(np.random.PCG64(child))
        return self._streams[name]
