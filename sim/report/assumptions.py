"""The assumptions that drive a run's result: parameters with ``status: assumption`` that
its scenarios touch (changed, or read as an intervention's default), and ``appraisal.*``."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from ..parameters import DEFAULT_PARAMS_DIR, ParamSpec, load_parameters
from ..policies import REGISTRY
from . import sections

log = logging.getLogger(__name__)

APPRAISAL_PREFIX = "appraisal."


def intervention_defaults(which: str) -> dict[str, str]:
    """Argument name (as in scenario files) -> the parameter its default comes from."""
    cls = REGISTRY.get(which)
    if cls is None:
        return {}
    found = {}
    for name, info in cls.Args.model_fields.items():
        param = (info.json_schema_extra or {}).get("param")
        if param:
            found[info.alias or name] = param
    return found


def touched(documents: list[dict[str, Any]], values: dict[str, Any]) -> dict[str, list[str]]:
    """Parameter path -> how the run's scenarios use it (appraisal.* always)."""
    uses: dict[str, list[str]] = {p: ["appraisal of every scenario"] for p in values
                                  if p.startswith(APPRAISAL_PREFIX)}
    for document in documents:
        for change in document.get("changes") or []:
            uses.setdefault(change["param"], []).append(
                f"{document['name']} sets it to {sections.short(change['value'])} from "
                f"{change.get('from') or 'the start'}")
        for entry in document.get("interventions") or []:
            for argument, param in intervention_defaults(entry["which"]).items():
                if entry.get(argument) is None:
                    uses.setdefault(param, []).append(
                        f"{document['name']}: default of {entry['which']} {argument}")
    return uses


def load_specs(manifest: dict[str, Any]) -> tuple[dict[str, ParamSpec], Path]:
    """The parameter specs of the run's parameter folder (the package's if it has gone)."""
    folder = Path(manifest.get("parameters_dir") or DEFAULT_PARAMS_DIR)
    if not folder.is_absolute():
        folder = Path(manifest.get("working_dir") or ".") / folder
    if not folder.is_dir():
        log.warning("parameter folder %s not found; reading reasons and ranges from %s",
                    folder, DEFAULT_PARAMS_DIR)
        folder = DEFAULT_PARAMS_DIR
    return load_parameters(folder).specs, folder


def assumptions_rows(documents: list[dict[str, Any]], values: dict[str, Any],
                     units: dict[str, str], specs: dict[str, ParamSpec]) -> list[list[str]]:
    """Path, value, unit, reason, range and use of each assumption the run touches."""
    rows = []
    for path, uses in sorted(touched(documents, values).items()):
        spec = specs.get(path)
        if spec is None or spec.status != "assumption":
            continue
        plausible = spec.range or (spec.range_scale and f"x{list(spec.range_scale)}")
        rows.append([path, sections.short(values.get(path)), units.get(path, spec.unit),
                     " ".join((spec.reason or "").split()),
                     "not given" if not plausible else
                     (f"{plausible[0]:g} to {plausible[1]:g}" if spec.range else plausible),
                     "; ".join(uses)])
    return rows


def assumptions_section(documents: list[dict[str, Any]], parameters: dict[str, Any],
                        manifest: dict[str, Any]) -> str:
    """The assumptions table, with where the reasons and ranges come from."""
    specs, folder = load_specs(manifest)
    rows = assumptions_rows(documents, parameters["values"], parameters.get("units", {}),
                            specs)
    note = (f"Parameters marked as assumptions (not taken from a published source) that this "
            f"run's scenarios change or whose defaults their interventions read, and the "
            f"appraisal settings. Values are the run's baseline values (scenarios/"
            f"parameters.json); reasons and plausible ranges from {folder}. Sensitivity "
            f"analysis varies them over these ranges.")
    if not rows:
        return sections.paragraphs([note, "None: the scenarios touch no assumption."])
    return sections.paragraphs([note]) + sections.table(
        ["Parameter", "Value", "Unit", "Reason", "Plausible range", "Used by"], rows,
        "assumptions")

