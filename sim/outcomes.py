"""This week's metrics (the registry in ``sim.metrics``) from the model's state."""

from __future__ import annotations

import numpy as np

from .care import WeekAccounts
from .placement import waiting_mask
from .providers import Setting
from .residents import AT_HOME_SUPPORTED, Funding, Status, in_states
from .working_age.outcomes import WORKING_AGE_ONLY

GOOD_OR_BETTER = 1  # rating index: 0 outstanding, 1 good


def weekly_metrics(model, acc: WeekAccounts) -> dict[str, float]:
    """Every registered metric for the week just simulated."""
    return {**_people(model), **_providers(model), **_money(model, acc), **_care(acc, model),
            **dict.fromkeys(WORKING_AGE_ONLY, 0.0)}


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


def council_metrics(model, acc: WeekAccounts, by_district: dict[str, np.ndarray]
                    ) -> dict[str, np.ndarray] | None:
    """The ``BY_COUNCIL`` metrics for the week just simulated, by council (spend by the
    council that pays, people by the council of their district; each sums to the region's
    figure); None for a region of one council (its figures are the region's)."""
    n = len(model.commissioners)
    if n == 1:
        return None
    r = model.residents
    council_of_district = model.council_of_district

    def count(mask):
        return np.bincount(r.council[mask], minlength=n)

    council_funded = r.funding == Funding.COUNCIL
    in_home = in_states(r.status, (Status.RESIDENTIAL, Status.NURSING))
    long_term = council_funded & in_states(
        r.status, (Status.RESIDENTIAL, Status.NURSING, Status.HOMECARE, Status.EXTRA_CARE))
    return {
        "council_spend": acc.council_by_council,
        "people_waiting": np.bincount(council_of_district,
                                      weights=by_district["people_waiting"], minlength=n),
        "unmet_need_hours": np.bincount(council_of_district,
                                        weights=by_district["unmet_need_hours"], minlength=n),
        "council_funded_long_term": count(long_term | (r.status == Status.DIRECT_PAYMENT)),
        "council_funded_care_home_residents": count(council_funded & in_home),
        "out_of_area_placements": count(out_of_area(model)),
    }


def out_of_area(model) -> np.ndarray:
    """Mask of residents whose provider is in another council's area than their own."""
    r = model.residents
    # unplaced residents (provider -1) read the last row's council, and are masked out
    return (r.provider >= 0) & (model.providers.council.take(r.provider) != r.council)


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
        "out_of_area_placements": 0 if len(model.commissioners) == 1 else
        int(np.count_nonzero(out_of_area(model))),
    }


def _good_quality_share(model) -> float:
    served = model.market.people_served()
    good = served[model.providers.quality <= GOOD_OR_BETTER].sum()
    return float(good / served.sum()) if served.sum() else 0.0


def _providers(model) -> dict[str, float]:
    t, m = model.providers, model.market
    homes = t.mask(Setting.CARE_HOME)
    beds = float(t.beds[homes].sum())
    occupied = float(m.occupied_since_care()[homes].sum())
    council = t.council[homes]  # each home's own council's fee
    fee = np.where(t.nursing[homes], model.council_state("fee_nursing")[council],
                   model.council_state("fee_residential")[council])
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
        "council_fee_residential": model.region_mean("fee_residential"),
        "council_fee_homecare": model.region_mean("fee_homecare"),
    }


def _money(model, acc: WeekAccounts) -> dict[str, float]:
    nhs = acc.delayed_days * model.p["nhs.delayed_discharge_cost_per_day"]
    line = acc.line
    return {
        "council_spend": acc.council_total,
        "council_spend_care_homes": line("care_homes"),
        "council_spend_homecare": line("homecare"),
        "council_spend_direct_payments": line("direct_payments"),
        "council_spend_reablement": line("reablement"),
        "council_spend_blocks_unused": line("blocks_unused_beds") +
        line("blocks_unused_hours"),
        "selffunder_spend": acc.selffunder_spend,
        "client_contributions": acc.contributions,
        "nhs_delay_cost": nhs,
        "total_public_cost": acc.council_total + nhs,
        "council_spend_interventions": line("interventions") + line("extra_care"),
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
