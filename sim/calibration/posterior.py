"""A finished calibration read back, and parameter uncertainty in runs (``--posterior``).

``caremarket run ... --posterior CALIB_DIR`` gives replication *r* of every scenario the
same draw from the calibration's posterior (a particle chosen with probability its
weight, by a generator seeded with ``SeedSequence(seed, spawn_key=(POSTERIOR_KEY, r))``),
so scenarios stay paired and the bands of the comparison include what we do not know
about the parameters as well as chance. The draw of replication *r* does not depend on
how many replications run. ``PosteriorParameters`` carries the posterior inside a run
plan: the runner asks it for each replication's parameters, the manifest records each
replication's draw.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError, Problem
from ..fileio import sha256_file
from ..parameters import Parameters
from ..plan import MANIFEST, RunPlan, check_resume, read_manifest
from .space import Space, why_fixed

POSTERIOR = "posterior.csv"
OPTION = "--posterior"
#: Spawn key that separates posterior draws from the replications' model seeds.
POSTERIOR_KEY = 0x706F7374  # "post"


@dataclass(frozen=True)
class Posterior:
    """A completed calibration's posterior: particles (rows) by dimension, and weights."""

    folder: Path
    space: Space
    draws: np.ndarray
    weights: np.ndarray
    digest: str
    base_fingerprint: str | None = None  # of the parameters the calibration started from

    @property
    def files(self) -> list[Path]:
        """The files a run made with this posterior depends on."""
        return [self.folder / MANIFEST, self.folder / POSTERIOR]

    def draw_index(self, seed: int, rep: int) -> int:
        """The particle replication ``rep`` of a run with base seed ``seed`` uses."""
        sequence = np.random.SeedSequence(seed, spawn_key=(POSTERIOR_KEY, rep))
        return int(np.random.default_rng(sequence).choice(len(self.weights), p=self.weights))


def read_posterior(folder: Path | str, params: Parameters) -> Posterior:
    """Read a completed calibration folder.

    Raises:
        InputError: the folder is not a completed calibration, or its parameters cannot
            vary in ``params``.
    """
    folder = Path(folder)
    manifest = _manifest(folder)
    space = Space.from_plain(manifest["space"])
    problems = [Problem(OPTION, d.path, f"calibrated in {folder}, but here it {reason}")
                for d in space.dimensions if (reason := why_fixed(d.path, params))]
    if problems:
        raise InputError(problems)
    try:
        table = pd.read_csv(folder / POSTERIOR)
        draws = table[space.paths].to_numpy(dtype=float)
        weights = table["weight"].to_numpy(dtype=float)
    except (OSError, KeyError, ValueError) as exc:
        raise InputError(Problem(str(folder / POSTERIOR), "", f"cannot read the posterior: "
                                 f"{exc}")) from None
    if not len(weights) or not np.all(np.isfinite(draws)) or not weights.sum() > 0:
        raise InputError(Problem(str(folder / POSTERIOR), "", "holds no usable particles"))
    return Posterior(folder, space, draws, weights / weights.sum(),
                     sha256_file(folder / POSTERIOR), manifest.get("parameters_fingerprint"))


def _manifest(folder: Path) -> dict:
    manifest = read_manifest(folder, OPTION, "calibration",
                             hint="give a folder written by caremarket calibrate")
    if manifest.get("kind") != "calibration":
        raise InputError(Problem(OPTION, "", f"{folder} is not a calibration folder"))
    if manifest.get("status") != "completed":
        raise InputError(Problem(OPTION, "", f"the calibration in {folder} is "
                                 f"{manifest.get('status')}, not completed; finish it with "
                                 f"{manifest.get('reproduce', 'caremarket calibrate')} "
                                 f"--resume {folder}"))
    return manifest


@dataclass
class PosteriorParameters(Parameters):
    """Parameters whose calibrated values differ by replication (a posterior draw each).

    ``for_replication`` gives one replication's parameters; the fingerprint covers the
    posterior, so a run folder made with it is not resumed without it.
    """

    posterior: Posterior | None = field(default=None, repr=False)
    seed: int = 0

    def for_replication(self, rep: int) -> Parameters:
        """Replication ``rep``'s parameters: the base ones with its posterior draw."""
        base = Parameters(self.specs, self.values, self.dim_sizes)
        point = self.posterior.draws[self.posterior.draw_index(self.seed, rep)]
        return self.posterior.space.apply(base, point)

    def with_values(self, new_values: dict[str, Any]) -> PosteriorParameters:
        plain = super().with_values(new_values)
        return PosteriorParameters(plain.specs, plain.values, plain.dim_sizes,
                                   self.posterior, self.seed)

    def fingerprint(self) -> str:
        text = json.dumps([super().fingerprint(), self.posterior.digest, self.seed])
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def reproduce_options(self) -> list[str]:
        """What a run's reproduce command needs to add."""
        return [OPTION, str(self.posterior.folder)]

    def record(self, reps: int) -> dict[str, Any]:
        """The manifest's account of the posterior: folder, file hash, and each
        replication's draw (its particle and values)."""
        draws = []
        for rep in range(reps):
            index = self.posterior.draw_index(self.seed, rep)
            values = dict(zip(self.posterior.space.paths,
                              self.posterior.draws[index].tolist(), strict=True))
            draws.append({"rep": rep, "particle": index, "values": values})
        base = Parameters(self.specs, self.values, self.dim_sizes).fingerprint()
        return {"folder": str(self.posterior.folder), "posterior_sha256": self.posterior.digest,
                "calibration_parameters_fingerprint": self.posterior.base_fingerprint,
                "same_parameters_as_calibration": base == self.posterior.base_fingerprint,
                "parameters": self.posterior.space.plain(), "particles": len(
                    self.posterior.weights),
                "draw_scheme": "particle chosen with probability its weight, by "
                               "default_rng(SeedSequence(seed, spawn_key=(0x706F7374, rep)))",
                "draws": draws}


def with_posterior(plan: RunPlan, folder: Path | str, resume: Path | str | None = None
                   ) -> RunPlan:
    """``plan`` with its parameters drawn from a calibration's posterior, replication by
    replication; ``resume`` (given here, not to ``plan_run``) is then checked against it.

    Raises:
        InputError: not a completed calibration; a ``--set`` of a calibrated parameter;
            or a ``resume`` folder made from other inputs.
    """
    posterior = read_posterior(folder, plan.params)
    clashes = [Problem("--set", p, f"is calibrated in {folder}: {OPTION} draws it for each "
                       "replication; drop the --set or the --posterior")
               for p in posterior.space.paths if p in plan.overrides]
    if clashes:
        raise InputError(clashes)
    params = PosteriorParameters(plan.params.specs, plan.params.values, plan.params.dim_sizes,
                                 posterior, plan.seed)
    plan = dataclasses.replace(plan, params=params)
    if resume is not None:
        plan = dataclasses.replace(plan, resume=Path(resume))
        check_resume(plan)
    return plan


def reproduce(plan: RunPlan) -> str:
    """``plan.reproduce()``, with ``--posterior`` when the plan carries one."""
    options = getattr(plan.params, "reproduce_options", None)
    return plan.reproduce() + ("" if options is None else " " + shlex.join(options()))
