"""summary.xlsx: the run's tables as a workbook, written on request (--excel)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import cli
from sim.errors import InputError
from sim.metrics import BY_DISTRICT, HEADLINE
from sim.report.excel import EXCEL, write_excel

SHEETS = ["About", "Decision", "Headline", "Summary", "Differences", "By district",
          "By client group"]


@pytest.fixture(scope="module")
def run_copy(small_run, tmp_path_factory) -> Path:
    return Path(shutil.copytree(small_run, tmp_path_factory.mktemp("excel") / small_run.name))


@pytest.fixture(scope="module")
def workbook(run_copy) -> dict[str, pd.DataFrame]:
    return pd.read_excel(write_excel(run_copy), sheet_name=None)


def test_the_workbook_has_every_sheet_in_order(workbook):
    assert list(workbook) == SHEETS


def test_tables_match_the_csv_files(workbook, run_copy):
    for sheet, file in (("Decision", "decision.csv"), ("Summary", "summary.csv"),
                        ("Differences", "deltas.csv"), ("By client group",
                                                        "summary_by_group.csv")):
        csv = pd.read_csv(run_copy / file, dtype={"financial_year": str})
        got = workbook[sheet].astype({"financial_year": str}) if "financial_year" in csv \
            else workbook[sheet]
        pd.testing.assert_frame_equal(got, csv, check_dtype=False)


def test_headline_sheet_has_every_headline_metric_and_scenario(workbook, run_copy):
    headline = workbook["Headline"]
    assert list(dict.fromkeys(headline.metric)) == list(HEADLINE)
    decision = pd.read_csv(run_copy / "decision.csv")
    assert set(decision.scenario) < set(headline.scenario)


def test_by_district_sheet_averages_the_saved_weekly_values(workbook, run_copy):
    table = workbook["By district"]
    frame = pd.read_parquet(run_copy / "by_district.parquet")
    assert set(table.metric) == set(BY_DISTRICT)
    assert len(table) == frame.scenario.nunique() * len(BY_DISTRICT) * frame.district.nunique()
    row = table.iloc[len(table) // 2]
    weekly = frame[(frame.scenario == row.scenario) & (frame.metric == row.metric) &
                   (frame.district == row.district)]
    assert row["mean"] == pytest.approx(weekly.groupby("rep").value.mean().mean())
    assert row.p5 <= row["mean"] <= row.p95
    base = table[table.scenario == "baseline"]
    np.testing.assert_allclose(base.change, 0.0, atol=1e-9)


def test_about_sheet_says_how_to_reproduce(workbook):
    about = dict(zip(workbook["About"]["item"], workbook["About"]["value"], strict=True))
    assert str(about["Reproduce with"]).startswith("caremarket run")
    assert "Sheet: By district" in about


def test_report_excel_option_writes_the_workbook(small_run, tmp_path):
    copy = Path(shutil.copytree(small_run, tmp_path / small_run.name))
    result = CliRunner().invoke(cli.main, ["report", str(copy), "--excel"])
    assert result.exit_code == 0, result.output
    assert str(copy / EXCEL) in result.output
    assert pd.read_excel(copy / EXCEL, sheet_name=None).keys() == set(SHEETS)


def test_a_damaged_folder_writes_no_workbook(small_run, tmp_path):
    copy = Path(shutil.copytree(small_run, tmp_path / small_run.name))
    (copy / "by_district.parquet").write_bytes(b"not parquet")
    with pytest.raises(InputError, match="by_district.parquet"):
        write_excel(copy)
    assert not (copy / EXCEL).exists()
    assert not list(copy.glob("*.tmp*")) and not list(copy.glob(".*"))


def test_a_single_council_run_has_no_sheet_by_council(workbook):
    assert "By council" not in workbook
    assert "Sheet: By council" not in set(workbook["About"]["item"])


def test_by_district_sheet_gives_the_range_of_the_paired_change(workbook):
    table = workbook["By district"]
    assert (table.change_p5 <= table.change + 1e-9).all()
    assert (table.change <= table.change_p95 + 1e-9).all()
    assert (table[table.scenario != "baseline"].change_p5 <
            table[table.scenario != "baseline"].change_p95).any()


def test_an_older_run_without_results_by_client_group_has_no_sheet_of_them(small_run,
                                                                           tmp_path):
    copy = Path(shutil.copytree(small_run, tmp_path / small_run.name))
    (copy / "by_group.parquet").unlink()
    (copy / "summary_by_group.csv").unlink()
    workbook = pd.read_excel(write_excel(copy), sheet_name=None)
    assert list(workbook) == SHEETS[:-1]
    assert "Sheet: By client group" not in set(workbook["About"]["item"])


def test_the_about_sheet_describes_the_sheet_by_client_group(workbook):
    about = dict(zip(workbook["About"]["item"], workbook["About"]["value"], strict=True))
    assert "summary_by_group.csv" in about["Sheet: By client group"]
