"""Numbers and sentences of the report: formatting, and the plain-language summary."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

MINUS = "\u2212"
MILLION = 1e6
SMALL_MILLIONS = 0.1  # below £0.1m, show two decimals so small effects are not "£0.0m"
RATIO_UNITS = ("ratio", "index", "share")
RATIO_LIMIT = 10  # ratios below this get three decimals


def missing(value: Any) -> bool:
    """True for None and NaN."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def signed(text: str, value: float) -> str:
    """``text`` (a magnitude) with a + or minus sign for ``value``."""
    return f"{'+' if value > 0 else MINUS if value < 0 else ''}{text}"


def money_m(value: float) -> str:
    """GBP in millions, signed: +£9.2m, −£0.04m; n/a when missing."""
    if missing(value):
        return "n/a"
    size = abs(value) / MILLION
    digits = 2 if 0 < size < SMALL_MILLIONS else 1
    return signed(f"£{size:,.{digits}f}m", value)


def pounds(value: float) -> str:
    """Whole pounds, signed only when negative: £6,090, −£42; n/a when missing."""
    if missing(value):
        return "n/a"
    return f"{MINUS if value < 0 else ''}£{abs(value):,.0f}"


def count(value: float, sign: bool = True) -> str:
    """A count or amount: whole numbers from 100, else one decimal; n/a when missing."""
    if missing(value):
        return "n/a"
    text = f"{abs(value):,.0f}" if abs(value) >= 100 else f"{abs(value):,.1f}"
    return signed(text, value) if sign else (MINUS + text if value < 0 else text)


def percent(share: float) -> str:
    """A share as a whole percentage: 0.5 -> 50%."""
    return "n/a" if missing(share) else f"{100 * share:.0f}%"


def value(amount: float, unit: str, sign: bool = False) -> str:
    """A metric value in its unit: £m for money, three decimals for small ratios."""
    if missing(amount):
        return "n/a"
    if unit == "GBP":
        return money_m(amount) if sign else money_m(amount).lstrip("+")
    if unit in RATIO_UNITS and abs(amount) < RATIO_LIMIT:
        text = f"{abs(amount):.3f}"
        return signed(text, amount) if sign else (MINUS + text if amount < 0 else text)
    return count(amount, sign)


def replications(share: float, reps: int) -> str:
    """How many of ``reps`` replications a share is, in words."""
    hits = round(share * reps)
    if hits == reps:
        return f"all {reps} replications"
    if hits == 0:
        return f"none of the {reps} replications"
    return f"{hits} of {reps} replications"


def band(row: pd.Series, prefix: str, fmt) -> str:
    """'+£9.2m, 90% range +£8.1m to +£10.3m' from the mean, p5 and p95 columns."""
    return (f"{fmt(row[f'{prefix}_mean'])}, 90% range {fmt(row[f'{prefix}_p5'])} to "
            f"{fmt(row[f'{prefix}_p95'])}")


VERDICT_WORDS = {
    "dominant": "is cheaper for the council (or costs the same) and improves outcomes",
    "dominated": "costs the council more (or the same) and worsens outcomes",
    "costs more, better outcomes": "costs the council more and improves outcomes",
    "saves money, worse outcomes": "saves the council money and worsens outcomes",
    "no change": "changes neither council cost nor outcomes",
}


def scenario_sentence(row: pd.Series) -> str:
    """One scenario's result in words, with its uncertainty."""
    reps = int(row["reps"])
    verdict = VERDICT_WORDS.get(row["verdict"], row["verdict"])
    return (f"{row['label']} ({row['scenario']}) {verdict} on average: council cost "
            f"{band(row, 'council_cost_change_gbp', money_m)}; wellbeing-weeks "
            f"{band(row, 'wellbeing_weeks_gained', count)}; net benefit "
            f"{band(row, 'net_benefit_gbp', money_m)} (present values). Council cost falls "
            f"in {replications(row['prob_lower_council_cost'], reps)}, outcomes improve in "
            f"{replications(row['prob_better_outcomes'], reps)}, and the net benefit is "
            f"positive in {replications(row['prob_positive_net_benefit'], reps)}.")


def summary_paragraphs(decision: pd.DataFrame, reps: int) -> list[str]:
    """The plain-language summary: ranking, stress tests, and what the bands mean."""
    if decision.empty:
        return ["This run holds only the baseline, so there is nothing to rank."]
    first = decision.iloc[0]
    policies = decision[~decision.stress_test.astype(bool)]
    stresses = decision[decision.stress_test.astype(bool)]
    paragraphs = [
        (f"Each scenario is compared with {first['baseline']} over {reps} replications; "
        f"replication r of every scenario shares its random numbers with the baseline's, so "
        f"the changes are paired. Money and wellbeing-weeks are present values over the run, "
        f"discounted at {100 * first['discount_rate']:g}% a year. A '90% range' runs from "
        f"the 5th to the 95th percentile of the replications' changes; a range that spans "
        f"zero means the direction of the effect is uncertain. The net benefit values a "
        f"wellbeing-week at {pounds(first['wellbeing_week_value_gbp'])} and subtracts the "
        f"change in total public cost (council and NHS).")]
    if not policies.empty:
        paragraphs.append(f"Policies, best first by mean net benefit ({len(policies)}):")
        paragraphs += [f"{int(row['rank'])}. {scenario_sentence(row)}"
                       for _, row in policies.iterrows()]
    if not stresses.empty:
        paragraphs.append("Stress tests are risks, not options: they show what the market "
                          "would do under a shock, and are not ranked.")
        paragraphs += [scenario_sentence(row) for _, row in stresses.iterrows()]
    return paragraphs
