"""Fuzzing scenario files: every generated file loads or is refused with an InputError
naming the file (and the key or line), through the library and the command line.

Budget (fixed, derandomized): 300 files through ``load_scenarios``, 15 through
``caremarket validate``, 6 through ``caremarket run`` (1 year at scale 0.01).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from click.testing import CliRunner
from fuzz_strategies import (
    END,
    PARAMS,
    START,
    assert_clean_exit,
    changes,
    fuzz_settings,
    interventions,
    mapping_or_none,
    mutated,
    new_entries,
    refusal,
    says_where,
    scenario_documents,
    scratch_file,
    yaml_bytes,
)
from hypothesis import event, given
from hypothesis import strategies as st

import cli
from sim.scenario import load_scenarios

LIBRARY_EXAMPLES = 300
VALIDATE_EXAMPLES = 15
RUN_EXAMPLES = 6


@fuzz_settings(LIBRARY_EXAMPLES)
@given(content=yaml_bytes(scenario_documents()))
def test_a_scenario_file_loads_or_is_refused_naming_the_file(content):
    with scratch_file(content) as file:
        refused = refusal(lambda: load_scenarios([file], PARAMS, START, END), file)
    event("refused" if refused else "accepted")
    if refused is not None and mapping_or_none(content) is not None:
        assert says_where(refused, file), str(refused)


@fuzz_settings(VALIDATE_EXAMPLES)
@given(content=yaml_bytes(scenario_documents()))
def test_validate_exits_0_or_1_with_error_lines(content):
    with scratch_file(content) as file:
        result = CliRunner().invoke(cli.main, ["validate", str(file), "--years", "2"])
    assert_clean_exit(result)
    event(f"exit {result.exit_code}")
    if result.exit_code == 1:
        assert str(file) in result.stderr


@st.composite
def runnable_documents(draw) -> dict:
    """Mostly valid scenarios with extreme values: what the model itself must survive."""
    doc = {"name": draw(st.from_regex(r"\A[a-z][a-z0-9_]{0,10}\Z")), "label": "Fuzz",
           "description": "Fuzzed."}
    doc["changes"] = draw(st.lists(changes(), max_size=2))
    doc["interventions"] = draw(st.lists(interventions(), max_size=2))
    return doc


@fuzz_settings(RUN_EXAMPLES)
@given(doc=st.one_of(runnable_documents(), mutated(runnable_documents())))
def test_run_exits_0_or_1_and_leaves_no_folder_on_error(doc):
    import yaml

    with tempfile.TemporaryDirectory() as folder:
        file, out = Path(folder) / "fuzz.yaml", Path(folder) / "out"
        file.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
        result = CliRunner().invoke(cli.main, [
            "run", str(file), "--years", "1", "--scale", "0.01", "--reps", "1",
            "--jobs", "1", "--no-report", "--out", str(out)])
        assert_clean_exit(result, out)
        event(f"exit {result.exit_code}")
        if result.exit_code == 0:
            assert len(new_entries(out)) == 1
