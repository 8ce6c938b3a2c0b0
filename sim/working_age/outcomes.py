"""This week's working-age figures: each ``BY_GROUP`` metric by working-age group, the
working-age-only metrics, and their part of the county, district and council totals."""

from __future__ import annotations

import numpy as np

from ..metrics import BY_GROUP
from .clients import NO_PROVIDER
from .codes import Service, WASetting

#: Metrics only working-age clients have (0 for a model of older people alone).
WORKING_AGE_ONLY = ("people_in_supported_living", "people_in_shared_lives",
                    "people_in_day_opportunities", "council_spend_supported_living",
                    "council_spend_shared_lives", "council_spend_day_opportunities",
                    "long_term_spend_18_64", "people_supported_18_64", "transitions_at_18",
                    "moves_to_supported_living", "specialist_residential_beds",
                    "working_age_providers_open")
#: Metrics that count every provider, older people's and working-age alike.
MARKET_WIDE = {"provider_exits": "exits", "provider_failures": "failures",
               "provider_entries": "entries", "provider_takeovers": "takeovers"}


def by_working_age_group(wa) -> dict[str, np.ndarray]:
    """Each ``BY_GROUP`` metric for the four working-age groups (``client_group``)."""
    c, acc = wa.clients, wa.accounts
    g = c.group.astype(np.intp) - 1

    def count(mask):
        return np.bincount(g[mask], minlength=4).astype(float)

    def service(code):
        return count(c.service == code)

    spend = acc.by_group()
    values = {
        "council_spend": spend, "total_public_cost": spend,
        "council_spend_care_homes": acc.by_group("residential"),
        "council_spend_homecare": acc.by_group("homecare"),
        "council_spend_direct_payments": acc.by_group("direct_payments"),
        "council_spend_supported_living": acc.by_group("supported_living"),
        "council_spend_shared_lives": acc.by_group("shared_lives"),
        "council_spend_day_opportunities": acc.by_group("day_opportunities"),
        "council_funded_long_term": count(c.service != Service.WAITING),
        "council_funded_care_home_residents": service(Service.RESIDENTIAL),
        "people_in_care_homes": service(Service.RESIDENTIAL),
        "people_receiving_homecare": service(Service.HOMECARE),
        "people_on_direct_payments": service(Service.DIRECT_PAYMENT),
        "people_in_supported_living": service(Service.SUPPORTED_LIVING),
        "people_in_shared_lives": service(Service.SHARED_LIVES),
        "people_in_day_opportunities": count(c.day_provider != NO_PROVIDER),
        "people_waiting": service(Service.WAITING),
        "unmet_need_hours": acc.unmet_hours,
        "deaths_with_needs": wa.demography.deaths.astype(float),
    }
    assert values.keys() == set(BY_GROUP)
    return values


def add_working_age(wa, values: dict, by_district: dict, by_council: dict | None
                    ) -> dict[str, np.ndarray]:
    """Add the working-age figures to the week's totals (in place) and return the
    ``BY_GROUP`` metrics by client group (older people first)."""
    c, t, acc = wa.clients, wa.market.table, wa.accounts
    groups = by_working_age_group(wa)
    by_group = {name: np.concatenate([[values[name]], groups[name]]) for name in BY_GROUP}
    for name in BY_GROUP:
        values[name] = float(by_group[name].sum())
    waiting = c.service == Service.WAITING
    values.update({
        "long_term_spend_18_64": float(acc.spend_18_64.sum()),
        "people_supported_18_64": int(np.count_nonzero(~waiting & (c.age < 65.0))),
        "transitions_at_18": wa.demography.transitions,
        "moves_to_supported_living": wa.placement.moves_to_supported_living,
        "specialist_residential_beds": float(
            t.beds[t.open & (t.setting == WASetting.SPECIALIST_RESIDENTIAL)].sum()),
        "working_age_providers_open": int(np.count_nonzero(t.open)),
        "care_workers_employed": values["care_workers_employed"] + float(t.staff[t.open].sum()),
    })
    for name, attr in MARKET_WIDE.items():
        values[name] += getattr(wa.market, attr)
    n_districts = by_district["unmet_need_hours"].size
    waiting_by_district = np.bincount(c.district[waiting], minlength=n_districts)
    by_district["people_waiting"] = by_district["people_waiting"] + waiting_by_district
    by_district["unmet_need_hours"] = by_district["unmet_need_hours"] + acc.unmet_by_district
    if by_council is not None:
        _add_by_council(wa, by_council, waiting)
    return by_group


def _add_by_council(wa, by_council: dict, waiting: np.ndarray) -> None:
    c, acc = wa.clients, wa.accounts
    n = by_council["council_spend"].size

    def count(mask):
        return np.bincount(c.council[mask], minlength=n)

    unmet = np.zeros(n)
    np.add.at(unmet, wa.model.council_of_district,
              acc.unmet_by_district)
    by_council["council_spend"] = by_council["council_spend"] + acc.by_council_group.sum(axis=1)
    by_council["people_waiting"] = by_council["people_waiting"] + count(waiting)
    by_council["unmet_need_hours"] = by_council["unmet_need_hours"] + unmet
    by_council["council_funded_long_term"] = by_council["council_funded_long_term"] + \
        count(~waiting)
    by_council["council_funded_care_home_residents"] = \
        by_council["council_funded_care_home_residents"] + count(c.service == Service.RESIDENTIAL)
