"""This week's metrics (the registry in ``sim.metrics``) from the model's state."""

from __future__ import annotations

import numpy as np

from .care import WeekAccounts
from .placement import waiting_mask
from .providers import Setting
from .residents import AT_HOME_SUPPORTED, Funding, Status, in_states

GOOD_OR_BETTER = 1  # rating index: 0 outstanding, 1 good


def weekly_metrics(model, acc: WeekAccounts) -> dict[str, float]:
    """Every registered metric for the week just simulated."""
    return {**_people(model), **_providers(model), **_money(model, acc), **_care(acc, model)}


def district_metrics(model, acc: WeekAccounts) -> dict[str, np.ndarray]:
    """The ``BY_DISTRICT`` metrics for the week just simulated, by the resident's district
    (each sums to the county figure)."""
    r = model.residents
    n_districts = model.p.dim_sizes["district"]
    waiting = (r.status == Status.QUEUED) | waiting_mask(r)
    return {
        "people_waiting": np.bincount(r.district[waiting], minlength=n_districts),
        "unmet_need_hours": acc.unmet_by_district,
    }


def _people(model) -> dict[str, float]:
    r = model.residents
    n_states = len(Status)
    everyone = np.bincount(r.status, minlength=n_states)
    council = np.bincount(r.status[r.funding == Funding.COUNCIL], minlength=n_states)
    n_home = int(everyone[Status.RESIDENTIAL] + everyone[Status.NURSING])
    council_home = int(council[Status.RESIDENTIAL] + council[Status.NURSING])
    waiting_placement = int(np.count_nonzero(waiting_mask(r)))
    return {
        "people_in_care_homes": n_home,
        "people_receiving_homecare": int(everyone[Status.HOMECARE]),
        "people_waiting": int(everyone[Status.QUEUED]) + waiting_placement,
        "selffunder_share_care_homes": 1.0 - council_home / n_home if n_home else 0.0,
        "council_funded_long_term": council_home + int(
            council[Status.HOMECARE] + everyone[Status.DIRECT_PAYMENT] +
            council[Status.EXTRA_CARE]),
        "council_funded_care_home_residents": council_home,
        "people_on_direct_payments": int(everyone[Status.DIRECT_PAYMENT]),
        "people_in_reablement": int(everyone[Status.REABLEMENT]),
        "people_in_extra_care": int(everyone[Status.EXTRA_CARE]),
        "people_with_tec": int(np.count_nonzero(r.tec & in_states(r.status,
                                                                   AT_HOME_SUPPORTED))),
        "selffunders_council_arranged": int(np.count_nonzero(
            r.arranged & (r.funding == Funding.SELF) &
            ((r.status == Status.RESIDENTIAL) | (r.status == Status.NURSING)))),
        "requests": model.pathway.counts["requests"],
        "assessments": model.pathway.counts["assessments"],
        "assessment_queue": int(everyone[Status.QUEUED]),
        "care_home_admissions": model.placement.admissions,
        "population_65plus": model.population.total + r.n,
        "residents_with_needs": r.n,
        "deaths_with_needs": model.deaths,
        "good_quality_share": _good_quality_share(model),
    }


def _good_quality_share(model) -> float:
    served = model.market.people_served()
    good = served[model.providers.quality <= GOOD_OR_BETTER].sum()
    return float(good / served.sum()) if served.sum() else 0.0


def _providers(model) -> dict[str, float]:
    t, m, c = model.providers, model.market, model.commissioner
    homes = t.mask(Setting.CARE_HOME)
    beds = float(t.beds[homes].sum())
    occupied = float(m.occupied_since_care()[homes].sum())
    fee = np.where(t.nursing[homes], c.fee_nursing, c.fee_residential)
    vacancy = model.workforce.vacancy_rates()
    return {
        "care_home_beds": beds,
        "care_home_occupancy": occupied / beds if beds else 0.0,
        "provider_exits": m.exits,
        "provider_failures": m.failures,
        "provider_entries": m.entries,
        "provider_takeovers": m.takeovers,
        "selffunder_price_premium": float(t.selffunder_price[homes].mean() / fee.mean() - 1.0)
        if homes.any() else 0.0,
        "care_homes_open": int(homes.sum()),
        "homecare_agencies_open": int(t.mask(Setting.HOMECARE).sum()),
        "care_workers_employed": float(t.staff[t.open].sum()),
        "workforce_vacancy_rate": vacancy["all"],
        "workforce_vacancy_rate_care_homes": vacancy["care_home"],
        "workforce_vacancy_rate_homecare": vacancy["homecare"],
        "council_fee_residential": c.fee_residential,
        "council_fee_homecare": c.fee_homecare,
    }


def _money(model, acc: WeekAccounts) -> dict[str, float]:
    nhs = acc.delayed_days * model.p["nhs.delayed_discharge_cost_per_day"]
    return {
        "council_spend": acc.council_total,
        "council_spend_care_homes": acc.council["care_homes"],
        "council_spend_homecare": acc.council["homecare"],
        "council_spend_direct_payments": acc.council["direct_payments"],
        "council_spend_reablement": acc.council["reablement"],
        "council_spend_blocks_unused": acc.council["blocks_unused_beds"] +
        acc.council["blocks_unused_hours"],
        "selffunder_spend": acc.selffunder_spend,
        "client_contributions": acc.contributions,
        "nhs_delay_cost": nhs,
        "total_public_cost": acc.council_total + nhs,
        "council_spend_interventions": acc.council.get("interventions", 0.0) +
        acc.council.get("extra_care", 0.0),
    }


def _care(acc: WeekAccounts, model) -> dict[str, float]:
    return {
        "unmet_need_hours": acc.unmet_need_hours,
        "delayed_discharge_days": acc.delayed_days,
        "homecare_hours_delivered": acc.homecare_delivered,
        "homecare_hours_undelivered": acc.homecare_undelivered,
        "council_homecare_hours": acc.council_homecare_hours,
        "wellbeing_weeks": acc.wellbeing,
        "selffunders_reaching_limit": acc.selffunders_reaching_limit,
        "homecare_handbacks": acc.handbacks,
    }
