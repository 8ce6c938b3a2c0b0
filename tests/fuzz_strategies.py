"""Hypothesis strategies and checks shared by the fuzz tests of bad input.

Documents start valid-looking (real parameter paths, interventions, metrics and dates
inside the run) and are then mutated: wrong types, unknown keys, out-of-range and
non-finite numbers, huge values, dates outside the run, and malformed YAML text.
Every fuzz test asserts the same outcome: the input is accepted, or refused with an
``InputError`` (exit code 1 and ``Error:`` lines on the command line), never anything else.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import tempfile
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from sim.calendar import WEEKS_PER_YEAR, run_end
from sim.dims import CLIENT_GROUPS
from sim.errors import InputError
from sim.metrics import BY_GROUP, INDEX
from sim.parameters import load_parameters
from sim.policies import REGISTRY
from sim.yamlio import parse_yaml

PARAMS = load_parameters()
START: dt.date = PARAMS["run.start_date"]
#: Library-level loads check dates against a run of this many years.
YEARS = 2
END = run_end(START, YEARS * WEEKS_PER_YEAR)
LAST = END - dt.timedelta(days=1)
COUNCILS = tuple(PARAMS["county.councils"])
METRICS = sorted(INDEX)


def fuzz_settings(examples: int) -> settings:
    """A fixed, reproducible budget: ``examples`` inputs, the same ones on every run."""
    return settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.function_scoped_fixture,
                                           HealthCheck.filter_too_much])


# --- parameter paths of each kind --------------------------------------------------------

def _paths(test: Callable) -> list[str]:
    return [p for p in PARAMS.paths() if test(PARAMS.spec(p))][:4]


PATHS = sorted({
    *_paths(lambda s: s.kind == "number" and not s.dims and not s.per_council),
    *_paths(lambda s: s.unit == "share" and not s.dims),
    *_paths(lambda s: s.kind == "int"),
    *_paths(lambda s: s.kind in ("flag", "label", "date")),
    *_paths(lambda s: bool(s.dims)),
    *_paths(lambda s: s.per_council),
    *_paths(lambda s: s.timing == "setup"),
    "commissioner.fee_homecare_hourly", "appraisal.discount_rate",
})


# --- values ------------------------------------------------------------------------------

HUGE_TEXT = "x" * 20_000
HUGE_LIST = list(range(1_000))
SPECIAL_NUMBERS = [0, -1, -0.5, 1, 1.5, 2, 1e-300, 1e308, -1e308, 10**30, -10**30, 10**400,
                   float("nan"), float("inf"), float("-inf")]
SPECIAL_TEXT = ["", " ", "1e3", "28.0", "2026-02-30", "yes", "null", "~", "../../etc/passwd",
                "a/b", "CON", "fee uplift", "Ünïcödé", "\u202e", "x" * 500]

numbers = st.one_of(st.sampled_from(SPECIAL_NUMBERS),
                    st.floats(allow_nan=True, allow_infinity=True),
                    st.integers(min_value=-10**40, max_value=10**40))
dates = st.one_of(st.sampled_from([START, LAST, END, START - dt.timedelta(days=1),
                                   dt.date(1, 1, 1), dt.date(9999, 12, 31)]),
                  st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)))
scalars = st.one_of(st.none(), st.booleans(), numbers, dates,
                    st.datetimes(min_value=dt.datetime(1, 1, 1)),
                    st.sampled_from(SPECIAL_TEXT), st.text(max_size=12))
junk = st.one_of(
    scalars,
    st.lists(scalars, max_size=4),
    st.dictionaries(st.one_of(st.text(max_size=6), st.integers()), scalars, max_size=3),
    st.sampled_from([HUGE_TEXT, HUGE_LIST, [[[[[[1]]]]]], {"a": {"b": {"c": [1]}}}]),
)


def mostly(good: st.SearchStrategy, bad: st.SearchStrategy, odds: int = 4
           ) -> st.SearchStrategy:
    """``good`` ``odds`` times out of ``odds + 1``, else ``bad``."""
    return st.integers(0, odds).flatmap(lambda i: bad if i == odds else good)


def plausible(path: str) -> st.SearchStrategy:
    """A value that fits parameter ``path``'s kind (sometimes at or past its bounds)."""
    spec = PARAMS.spec(path)
    default = PARAMS[path]
    if spec.kind == "flag":
        return st.booleans()
    if spec.kind == "label":
        return st.just(list(default)) if isinstance(default, tuple) else st.text(max_size=8)
    if spec.kind == "date":
        return dates
    if spec.dims or spec.per_council:
        plain = default.tolist() if hasattr(default, "tolist") else default
        return st.sampled_from([plain, [plain], [], 0.5])
    low = spec.range[0] if spec.range else 0
    high = spec.range[1] if spec.range else 1
    return mostly(st.one_of(st.floats(min_value=low, max_value=high),
                            st.sampled_from([low, high])), numbers)


def run_dates() -> st.SearchStrategy:
    """Dates inside the run, on its edges, outside it, or malformed."""
    inside = st.dates(min_value=START, max_value=LAST)
    return mostly(inside, st.one_of(dates, st.sampled_from(["2026-13-01", "April 2026", "",
                                                             2026])), odds=2)


# --- scenario documents ------------------------------------------------------------------

names = mostly(st.from_regex(r"\A[a-z][a-z0-9_]{0,20}\Z"),
               st.sampled_from(["fuzz", "fee_uplift", "baseline", "a" * 64, "a" * 65, "Fee",
                                "1st", "fee-uplift", "../escape", "a/b", "a.b", "", "ünï",
                                "fee uplift", "con", "nul"]), odds=2)


@st.composite
def changes(draw) -> dict:
    path = draw(mostly(st.sampled_from(PATHS),
                       st.sampled_from(["commissioner.fee_homecare_hour", "nope", "",
                                        "commissioner", "a.b.c.d"])))
    change: dict[str, Any] = {"param": path, "source": "fuzz"}
    change["value"] = draw(plausible(path) if path in PARAMS else junk)
    if draw(st.booleans()):
        change["from"] = draw(run_dates())
    if draw(st.booleans()):
        spec_unit = PARAMS.spec(path).unit if path in PARAMS else "GBP"
        change["unit"] = draw(st.sampled_from([spec_unit, "GBP", "furlongs", 7]))
    return change


def _argument(info) -> st.SearchStrategy:
    text = str(info.annotation)
    if "date" in text:
        return run_dates()
    if "str" in text:
        return st.one_of(st.sampled_from(["homecare", "care_homes", "residential", "x"]),
                         st.sampled_from(COUNCILS), st.lists(st.sampled_from(COUNCILS)))
    if "int" in text:
        return mostly(st.integers(min_value=0, max_value=60), numbers)
    return mostly(st.floats(min_value=0, max_value=1), numbers)


@st.composite
def interventions(draw) -> dict:
    which = draw(mostly(st.sampled_from(sorted(REGISTRY)),
                        st.sampled_from(["fee_uplif", "rm -rf", "", "__init__"])))
    entry: dict[str, Any] = {"which": which}
    cls = REGISTRY.get(which)
    if cls is not None:
        for name, info in cls.Args.model_fields.items():
            if info.is_required() or draw(st.integers(0, 3)) == 0:
                entry[info.alias or name] = draw(_argument(info))
    if draw(st.integers(0, 4)) == 0:
        entry["council"] = draw(st.one_of(st.sampled_from(COUNCILS), st.text(max_size=8),
                                          st.lists(st.text(max_size=5), max_size=3)))
    return entry


@st.composite
def scenario_documents(draw) -> dict:
    """A valid-looking scenario document (before mutation)."""
    doc: dict[str, Any] = {"name": draw(names), "label": "Fuzz", "description": "Fuzzed."}
    if draw(st.booleans()):
        doc["changes"] = draw(st.lists(changes(), max_size=3))
    if draw(st.booleans()):
        doc["interventions"] = draw(st.lists(interventions(), max_size=2))
    if draw(st.integers(0, 3)) == 0:
        doc["expect"] = draw(st.dictionaries(
            st.one_of(st.sampled_from(METRICS), st.text(max_size=8)),
            st.one_of(st.sampled_from(["up", "down"]), junk), max_size=3))
    if draw(st.integers(0, 3)) == 0:
        doc["extends"] = draw(mostly(st.sampled_from(["baseline", "other"]),
                                     st.one_of(names, junk), odds=1))
    if draw(st.integers(0, 4)) == 0:
        doc["stress_test"] = draw(st.one_of(st.booleans(), junk))
    if draw(st.integers(0, 4)) == 0:
        doc["sources"] = draw(mostly(
            st.lists(st.one_of(st.text(max_size=8), st.fixed_dictionaries(
                {"title": st.text(max_size=8)}, optional={"url": junk}))), junk, odds=2))
    return doc


# --- mutations ---------------------------------------------------------------------------

def _containers(node: Any, out: list) -> list:
    """Every mapping and list inside ``node`` (``node`` first)."""
    if isinstance(node, (dict, list)):
        out.append(node)
        for child in node.values() if isinstance(node, dict) else node:
            _containers(child, out)
    return out


@st.composite
def mutated(draw, documents: st.SearchStrategy) -> Any:
    """A document with a few mutations: a value replaced by junk, an unknown key added,
    a key deleted, or the whole document replaced."""
    doc = copy.deepcopy(draw(documents))
    for _ in range(draw(st.sampled_from([0, 0, 1, 1, 2, 3]))):
        places = _containers(doc, [])
        place = draw(st.sampled_from(places))
        action = draw(st.sampled_from(["junk"] * 6 + ["unknown"] * 4 + ["delete"] * 2
                                      + ["whole"]))
        keys = list(place) if isinstance(place, dict) else list(range(len(place)))
        if action == "whole":
            return draw(junk)
        if action == "unknown" and isinstance(place, dict):
            place[draw(st.sampled_from(["unknown", "Name", "from_", "valeu", "!!", "7"]))] = \
                draw(junk)
        elif keys and action == "delete":
            del place[draw(st.sampled_from(keys))]
        elif keys:
            place[draw(st.sampled_from(keys))] = draw(junk)
    return doc


BOMB = "".join(f"{c}: &{c} [{', '.join(['*' + p] * 9) if p else '1, 1, 1, 1, 1, 1, 1, 1, 1'}]\n"
               for p, c in zip(["", *"abcdefgh"], "abcdefghi"))
MALFORMED = [
    "", "   \n", "hello", "42", "- a\n- b\n", "name: [unclosed\n", "name: {a: 1\n",
    "name: x\n\tlabel: y\n", "name: x\nname: y\n", "? [a, b]\n: 1\n", "a: 2026-02-30\n",
    "name: !!python/object/apply:os.system ['echo pwned']\n",
    "!!python/object/new:os.system [echo pwned]\n", "a: !!binary AAAA\n", "a: !custom 1\n",
    "a: &a [*a]\n", "a: &a {b: *a}\n", BOMB, "[" * 200 + "]" * 200, "a: *undefined\n",
    "--- a\n--- b\n", "\ufeffname: bom\n", "a: 'unterminated\n", "a: |\n bad\n  indent\n",
]


@st.composite
def yaml_bytes(draw, documents: st.SearchStrategy) -> bytes:
    """A mutated document as YAML, sometimes damaged as text, or malformed outright."""
    choice = draw(st.integers(0, 9))
    if choice == 0:
        return draw(st.sampled_from(MALFORMED)).encode()
    if choice == 1:
        return draw(st.binary(max_size=64))
    text = yaml.safe_dump(draw(mutated(documents)), sort_keys=False, allow_unicode=True)
    if choice == 2 and text:
        cut = draw(st.integers(0, len(text)))
        text = text[:cut] + draw(st.sampled_from(["\t", "\x00", "{", "[", ":", "'", "&a ",
                                                  "*a", "!!python/none ", "\n  - ", ""])) \
            + text[cut:]
    elif choice == 3:
        lines = text.splitlines(keepends=True)
        text = "".join(lines + [draw(st.sampled_from(lines))]) if lines else text
    return text.encode("utf-8", "surrogatepass")


# --- checks ------------------------------------------------------------------------------

@contextmanager
def scratch_file(content: bytes, name: str = "fuzz.yaml"):
    """A temporary file holding ``content`` (a fresh folder each time)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(content)
        yield path


def refusal(call: Callable[[], Any], file: Path | str) -> InputError | None:
    """Call; the InputError with which it refused the input (its problems must name
    ``file``), or None if it accepted it. Any other exception propagates: a bug the fuzz
    test reports."""
    try:
        call()
    except InputError as exc:
        assert exc.problems, "an InputError without problems"
        for problem in exc.problems:
            assert problem.message.strip(), f"an empty message: {problem!r}"
        assert any(p.file == str(file) for p in exc.problems), \
            f"no problem names {file}: {exc}"
        return exc
    return None


def says_where(exc: InputError, file: Path | str) -> bool:
    """Whether every problem about ``file`` gives a key or a line."""
    return all(p.key or p.line for p in exc.problems if p.file == str(file))


def mapping_or_none(content: bytes) -> dict | None:
    """The document ``content`` holds if it is readable YAML holding a mapping."""
    try:
        data = parse_yaml(content.decode("utf-8"), "fuzz")
    except (InputError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def new_entries(folder: Path) -> list[str]:
    """What a command left in ``folder`` (nothing when it does not exist)."""
    return sorted(os.listdir(folder)) if folder.exists() else []


def assert_clean_exit(result, out: Path | None = None) -> None:
    """A command line's outcome: exit 0, or exit 1 with ``Error:`` or usage lines, no
    traceback, and (with ``out``) nothing written under ``out`` on failure."""
    text = result.output + (result.stderr if result.stderr_bytes is not None else "")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code in (0, 1), (result.exit_code, text[-2000:])
    assert "Traceback" not in text, text[-2000:]
    if result.exit_code == 1:
        lines = result.stderr.splitlines()
        assert any(line.startswith(("Error:", "Usage:")) for line in lines), text[-2000:]
        if out is not None:
            assert new_entries(out) == [], f"exit 1 left {new_entries(out)} in {out}"


# --- targets documents -------------------------------------------------------------------

PERIODS = ["2025-26", "2026-27", "2024-25", "2025-27", "2025-2026", "1999-00", "9999-00",
           "0000-01", "2025-04-01 to 2025-09-30", "2025-09-30 to 2025-04-01",
           "2025-04-01 to", " to ", "2025-04-01 to 2025-04-02 to 2025-04-03", "2025-02-30",
           "2026-03-31", "31 March 2026", "FY2025", "2025/26", "8999-00"]


@st.composite
def target_entries(draw) -> dict:
    grouped = draw(st.integers(0, 3)) == 0
    metrics = mostly(st.sampled_from(BY_GROUP), st.sampled_from(METRICS), odds=2) \
        if grouped else st.sampled_from(METRICS)
    metric = draw(mostly(metrics, st.sampled_from(["", "spend", "x.y"])))
    entry: dict[str, Any] = {
        "metric": metric,
        "period": draw(mostly(st.sampled_from(["2025-26", "2026-03-31"]),
                              st.one_of(st.sampled_from(PERIODS), dates, junk), odds=2)),
        "value": draw(mostly(st.floats(min_value=0, max_value=1e6), numbers)),
        "source": draw(mostly(st.just({"title": "Fuzz", "url": "https://example.org"}),
                              st.one_of(junk, st.just({"title": "no url"})))),
    }
    uncertainty = draw(mostly(st.sampled_from(["sd", "tolerance"]),
                              st.sampled_from(["both", "neither"])))
    if uncertainty in ("sd", "both"):
        entry["sd"] = draw(mostly(st.floats(min_value=0.01, max_value=1e4), numbers))
    if uncertainty in ("tolerance", "both"):
        entry["tolerance"] = draw(mostly(st.floats(min_value=0.01, max_value=1), numbers))
    if draw(st.integers(0, 3)) == 0:
        entry["per"] = draw(mostly(metrics, junk, odds=1))
    if grouped:
        entry["group"] = draw(mostly(st.sampled_from(CLIENT_GROUPS), st.one_of(
            junk, st.sampled_from(["older_peple", "Older_People", "all"])), odds=2))
    if draw(st.integers(0, 3)) == 0:
        entry["per_week"] = draw(mostly(st.booleans(), junk, odds=1))
    if draw(st.integers(0, 4)) == 0:
        entry["fit"] = draw(mostly(st.booleans(), junk, odds=1))
    if draw(st.integers(0, 4)) == 0:
        entry["observed"] = draw(junk)
    return entry


@st.composite
def targets_documents(draw) -> dict:
    """A valid-looking targets document (before mutation)."""
    doc: dict[str, Any] = {
        "name": draw(names), "description": "Fuzzed targets.",
        "targets": draw(st.dictionaries(names, target_entries(), min_size=1, max_size=3)),
    }
    if draw(st.booleans()):
        doc["parameters"] = draw(mostly(
            st.lists(st.sampled_from([*PATHS, "pathway.request_hazard", "nope"]), max_size=3),
            junk, odds=2))
    return doc
