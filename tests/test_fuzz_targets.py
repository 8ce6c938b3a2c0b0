"""Fuzzing calibration targets files: every generated file loads, and its periods fit a
run, or it is refused with an InputError naming the file; ``caremarket calibrate`` exits 0
or 1 with ``Error:`` lines and writes nothing on error.

Budget (fixed, derandomized): 300 files through ``load_targets`` and the checks
``plan_calibration`` makes; 12 through ``caremarket calibrate``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from fuzz_strategies import (
    PARAMS,
    START,
    assert_clean_exit,
    fuzz_settings,
    mapping_or_none,
    refusal,
    says_where,
    scratch_file,
    targets_documents,
    yaml_bytes,
)
from hypothesis import event, given

import cli
from sim.calibration.space import build_space
from sim.calibration.targets import load_targets

LIBRARY_EXAMPLES = 300
CLI_EXAMPLES = 12


def _load_and_check(file: Path) -> None:
    """What ``plan_calibration`` does with a targets file: load it, check that its
    periods fit the run they ask for, and that its parameters can vary."""
    targets = load_targets(file)
    targets.check_run(START, targets.weeks_needed(START))
    if targets.parameters:
        build_space(list(targets.parameters), PARAMS, str(file), "parameters")


@fuzz_settings(LIBRARY_EXAMPLES)
@given(content=yaml_bytes(targets_documents()))
def test_a_targets_file_loads_or_is_refused_naming_the_file(content):
    with scratch_file(content) as file:
        refused = refusal(lambda: _load_and_check(file), file)
    event("refused" if refused else "accepted")
    if refused is not None and mapping_or_none(content) is not None:
        assert says_where(refused, file), str(refused)


class _WouldCalibrate(Exception):
    """Raised instead of starting a calibration: the inputs were accepted."""


@pytest.fixture()
def no_calibration(monkeypatch):
    """The calibration itself is replaced: it is not what these tests check, and one
    would take minutes."""
    import sim.calibration.abc

    def refuse(*_args, **_kwargs):
        raise _WouldCalibrate

    monkeypatch.setattr(sim.calibration.abc, "open_folder", refuse)


@fuzz_settings(CLI_EXAMPLES)
@given(content=yaml_bytes(targets_documents()))
def test_calibrate_exits_0_or_1_and_writes_nothing_on_error(no_calibration, content):
    with tempfile.TemporaryDirectory() as folder:
        file, out = Path(folder) / "targets.yaml", Path(folder) / "out"
        file.write_bytes(content)
        result = CliRunner().invoke(cli.main, [
            "calibrate", str(file), "--particles", "2", "--generations", "1",
            "--scale", "0.01", "--out", str(out)])
        if isinstance(result.exception, _WouldCalibrate):
            event("accepted")
            return
        assert_clean_exit(result, out)
        event(f"exit {result.exit_code}")
        assert result.exit_code == 1
        assert str(file) in result.stderr or "--params" in result.stderr
