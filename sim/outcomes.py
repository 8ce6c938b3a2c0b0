"""This week's metrics (the registry in ``sim.metrics``) from the model's state."""

from __future__ import annotations

import numpy as np

from .care import WeekAccounts
from .placement import waiting_mask
from .providers import Setting
from .residents import CARE_HOME, Funding, Status, in_states

GOOD_OR_BETTER = 1  # rating index: 0 outstanding, 1 good


def weekly_metrics(model, acc: WeekAccounts) -> dict[str, float]:
    """Every registered metric for the week just simulated."""
    return {**_people(model), **_providers(model), **_money(model, acc), **_care(acc, model)}


def _people(model) -> dict[str, float]:
    r = model.residents
    in_home = in_states(r.status, CARE_HOME)
    council = r.funding == Funding.COUNCIL
    on_homecare = r.status == Status.HOMECARE
    dp = r.status == Status.DIRECT_PAYMENT
    queued = r.status == Status.QUEUED
    waiting_placement = int(np.count_nonzero(waiting_mask(r, (Status.HOMECARE, *CARE_HOME))))
    n_home = int(in_home.sum())
    return {
        "people_in_care_homes": n_home,
        "people_receiving_homecare": int(on_homecare.sum()),
        "people_waiting": int(queued.sum()) + waiting_placement,
        "selffunder_share_care_homes": float((in_home & ~council).sum() / n_home) if n_home else 0.0,
        "council_funded_long_term": int(((in_home | on_homecare) & council).sum() + dp.sum()),
        "council_funded_care_home_residents": int((in_home & council).sum()),
        "people_on_direct_payments": int(dp.sum()),
        "people_in_reablement": int((r.status == Status.REABLEMENT).sum()),
        "requests": model.pathway.counts["requests"],
        "assessments": model.pathway.counts["assessments"],
        "assessment_queue": int(queued.sum()),
        "care_home_admissions": model.placement.admissions,
        "population_65plus": model.population.total + r.n,
        "residents_with_needs": r.n,
        "deaths_with_needs": model.deaths,
        "good_quality_share": _good_quality_share(model),
    }


def _good_quality_share(model) -> float:
    r, t = model.residents, model.providers
    served = r.provider[r.provider >= 0]  # only homecare and care home residents have one
    return float((t.quality[served] <= GOOD_OR_BETTER).mean()) if served.size else 0.0


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
        "nhs_delay_cost": acc.delayed_days * model.p["nhs.delayed_discharge_cost_per_day"],
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
