"""One model run at a point of a parameter space, summarised as the targets' figures.

Each point gets its own seed, a hash of the calibration's seed and the point's values, so
the same point always gives the same run, and different points independent ones.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..parameters import Parameters
from .space import Space
from .targets import Targets
from .weekly import Weekly

SEED_HASH_BYTES = 16


def point_seed(seed: int, point: Sequence[float]) -> np.random.SeedSequence:
    """The seed of the model run at ``point``: the same point, the same run."""
    digest = hashlib.sha256(np.asarray(point, dtype=np.float64).tobytes()).digest()
    words = np.frombuffer(digest[:SEED_HASH_BYTES], dtype=np.uint32).tolist()
    return np.random.SeedSequence([seed, *words])


@dataclass(frozen=True)
class TargetSimulator:
    """The model as pyabc sees it: parameters in, the targets' simulated figures out.

    Picklable, so pyabc can send it to worker processes.
    """

    params: Parameters
    space: Space
    targets: Targets
    weeks: int
    scale: float
    seed: int
    #: assert the weekly invariants (None: as ``CAREMARKET_CHECK`` says where it runs)
    check: bool | None = None

    def __call__(self, particle: Mapping[str, float]) -> dict[str, float]:
        return self.at(self.space.point(particle))

    def at(self, point: Sequence[float]) -> dict[str, float]:
        """The targets' figures in one run at ``point`` (whole-county values)."""
        from ..model import simulate_arrays  # heavy: imported where the model runs

        arrays = simulate_arrays(self.space.apply(self.params, point), None,
                                 point_seed(self.seed, point), self.weeks, self.scale,
                                 check=self.check)
        return self.targets.simulated(Weekly.from_run(arrays, self.scale),
                                      self.params["run.start_date"])

    def at_defaults(self) -> dict[str, float]:
        """The figures at the parameters' defaults (multipliers of 1)."""
        return self.at([d.default for d in self.space.dimensions])
