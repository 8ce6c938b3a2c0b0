"""Region presets: parameter folders that overlay the defaults with a region of councils.

A preset is a folder holding ``region.yaml`` (what the region is) and the parameter files
that differ from the package's ``sim/params`` (only the parameters that differ, each with
its own value and provenance). The presets shipped with the package live in
``sim/params/regions/<name>/``; any folder laid out the same way is a preset too.

``region.yaml`` keys:
    label: the region's name for people, e.g. "East of England".
    description: one paragraph: what the region holds and where its figures come from.
    extends: ``default``: ``--region``, ``--params <preset>`` and ``load_parameters(
        <preset>)`` lay the preset over the package's parameters (the only base for now;
        ``load_parameters(DIR, region=...)`` lays it over another folder instead).

Load one with ``sim.parameters.load_parameters(region="east_of_england")`` or
``load_region("east_of_england")``; pass a preset folder wherever a parameter folder is
accepted (``--params DIR``, ``load_parameters(DIR)``), or its name with ``--region``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .errors import InputError, Problem
from .yamlio import load_yaml

#: Where the shipped presets live (one folder each).
REGIONS_DIR = Path(__file__).parent / "params" / "regions"
#: The file that makes a folder a region preset.
REGION_FILE = "region.yaml"
REGION_KEYS = ("label", "description", "extends")
#: What a preset may extend: the package's default parameters.
BASES = ("default",)


@dataclass(frozen=True)
class Region:
    """A region preset: its folder and what ``region.yaml`` says about it."""

    name: str
    label: str
    description: str
    folder: Path
    extends: str = "default"


def is_region_folder(folder: Path | str) -> bool:
    """Whether ``folder`` is a region preset (it holds ``region.yaml``)."""
    return (Path(folder) / REGION_FILE).is_file()


def region_names() -> list[str]:
    """Names of the presets shipped with the package, sorted."""
    if not REGIONS_DIR.is_dir():
        return []
    return sorted(d.name for d in REGIONS_DIR.iterdir() if is_region_folder(d))


def shipped_region(folder: Path | str) -> str | None:
    """The name of a shipped preset if ``folder`` is one (else None)."""
    folder = Path(folder).resolve()
    return folder.name if folder.parent == REGIONS_DIR.resolve() and \
        folder.name in region_names() else None


def region_folder(region: str | Path) -> Path:
    """The folder of a region given by name (a shipped preset) or as a folder.

    Raises:
        InputError: neither a shipped preset nor a preset folder, naming the valid names.
    """
    text = str(region)
    if text in region_names():
        return REGIONS_DIR / text
    folder = Path(region)
    if is_region_folder(folder):
        return folder
    names = ", ".join(region_names()) or "none shipped"
    if folder.is_dir():
        why = f"the folder has no {REGION_FILE}, so it is not a region preset"
    else:
        why = "unknown region"
    raise InputError(Problem("--region", text, f"{why}; valid regions: {names} (or a "
                             f"folder of parameter files with a {REGION_FILE})"))


def read_region(region: str | Path) -> Region:
    """What a preset's ``region.yaml`` says, checked strictly.

    Raises:
        InputError: an unknown region, or a ``region.yaml`` with a missing, unknown or
            wrong key.
    """
    folder = region_folder(region)
    file = folder / REGION_FILE
    meta = load_yaml(file)
    where = str(file)
    if not isinstance(meta, dict):
        raise InputError(Problem(where, "", f"expected a mapping with {', '.join(REGION_KEYS)}"))
    problems = [Problem(where, str(key), f"unknown key; valid keys: {', '.join(REGION_KEYS)}")
                for key in meta if key not in REGION_KEYS]
    for key in ("label", "description"):
        if not str(meta.get(key) or "").strip():
            problems.append(Problem(where, key, "missing: say what the region is"))
    extends = meta.get("extends", "default")
    if extends not in BASES:
        problems.append(Problem(where, "extends", f"{extends!r} is not a base; valid: "
                                f"{', '.join(BASES)}"))
    if problems:
        raise InputError(problems)
    return Region(folder.name, str(meta["label"]).strip(),
                  " ".join(str(meta["description"]).split()), folder, extends)


def load_region(region: str | Path):
    """The default parameters with a region preset laid over them (``sim.parameters.
    load_parameters(region=...)``).

    Raises:
        InputError: an unknown region or a bad preset file, naming the file and key.
    """
    from .parameters import load_parameters

    return load_parameters(region=region)
