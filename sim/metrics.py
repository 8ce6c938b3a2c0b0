"""The metric registry: names (a contract), units, labels and how each aggregates.

``flow`` metrics are amounts per week and sum over a financial year; ``stock`` and
``ratio`` metrics are levels and average over it. ``extensive`` metrics grow with the
county's size, so a run at ``--scale 0.1`` divides them by 0.1 to report the whole county.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .dims import CLIENT_GROUPS


@dataclass(frozen=True)
class Metric:
    name: str
    unit: str
    label: str
    kind: str  # flow | stock | ratio
    description: str

    @property
    def extensive(self) -> bool:
        return self.kind != "ratio"

    @property
    def aggregate(self) -> str:
        """How weekly values combine over a financial year: sum or mean."""
        return "sum" if self.kind == "flow" else "mean"


def _m(name: str, unit: str, label: str, kind: str, description: str) -> Metric:
    return Metric(name, unit, label, kind, description)


METRICS: tuple[Metric, ...] = (
    # DESIGN §2.7: the contract
    _m("council_spend", "GBP", "Council spend on care", "flow",
       "Fees, block payments, reablement, direct payments, extra care and interventions' "
       "costs, net of client contributions"),
    _m("selffunder_spend", "GBP", "Self-funder spend", "flow", "What self-funders pay providers"),
    _m("nhs_delay_cost", "GBP", "NHS delayed-discharge cost", "flow",
       "Delayed-discharge bed-days times the cost of a bed-day"),
    _m("total_public_cost", "GBP", "Total public cost", "flow",
       "Council spend on care plus the NHS cost of delayed discharges"),
    _m("people_in_care_homes", "people", "People in care homes", "stock",
       "Residents in residential and nursing homes"),
    _m("people_receiving_homecare", "people", "People receiving homecare", "stock",
       "Residents with a homecare package (council-funded or self-funded)"),
    _m("people_waiting", "people", "People waiting", "stock",
       "People waiting for an assessment, or assessed eligible and waiting for a placement"),
    _m("unmet_need_hours", "hours", "Unmet need", "flow",
       "Care hours needed but neither delivered by a paid service nor given unpaid"),
    _m("delayed_discharge_days", "days", "Delayed discharge", "flow",
       "Hospital bed-days of people medically fit to leave but waiting for care"),
    _m("care_home_beds", "beds", "Care home beds", "stock", "Registered beds in open homes"),
    _m("care_home_occupancy", "ratio", "Care home occupancy", "ratio",
       "Occupied beds / registered beds"),
    _m("homecare_hours_delivered", "hours", "Homecare hours delivered", "flow",
       "Hours of homecare delivered (all funders)"),
    _m("homecare_hours_undelivered", "hours", "Homecare hours undelivered", "flow",
       "Hours commissioned but not delivered for lack of staff"),
    _m("provider_exits", "providers", "Provider exits", "flow",
       "Providers closing: orderly exits and sudden failures"),
    _m("provider_failures", "providers", "Provider failures", "flow",
       "Sudden failures (cash below the floor)"),
    _m("provider_entries", "providers", "Provider entries", "flow", "New providers opening"),
    _m("provider_takeovers", "providers", "Provider takeovers", "flow",
       "Failed operators whose services pass to a new owner instead of closing"),
    _m("selffunder_share_care_homes", "ratio", "Self-funder share in care homes", "ratio",
       "Self-funded residents / all care home residents"),
    _m("selffunder_price_premium", "ratio", "Self-funder price premium", "ratio",
       "Mean self-funder price / mean council fee - 1, care homes"),
    _m("workforce_vacancy_rate", "ratio", "Care workforce vacancy rate", "ratio",
       "Vacancies / (filled posts + vacancies), all settings"),
    _m("good_quality_share", "ratio", "Placements in Good or Outstanding providers", "ratio",
       "Share of people in care homes or homecare whose provider is rated Good or Outstanding"),
    _m("wellbeing_weeks", "index", "Wellbeing-weeks", "flow",
       "Person-weeks of everyone aged 65+ weighted by a quality-of-life score (ASCOT-style, "
       "0-1) by state: fewer needs, unmet needs and delays raise it, deaths lower it"),
    # Breakdowns and pathway counts
    _m("council_spend_care_homes", "GBP", "Council spend: care homes", "flow",
       "Care home fees paid by the council, net of residents' contributions"),
    _m("council_spend_homecare", "GBP", "Council spend: homecare", "flow",
       "Homecare hours delivered to council clients times the fee, net of contributions"),
    _m("council_spend_direct_payments", "GBP", "Council spend: direct payments", "flow",
       "Direct payments, net of contributions"),
    _m("council_spend_reablement", "GBP", "Council spend: reablement", "flow",
       "Reablement episodes in progress times their weekly cost"),
    _m("council_spend_interventions", "GBP", "Council spend: interventions", "flow",
       "What scenario interventions cost the council beyond fees (e.g. grants, technology, "
       "extra care, extra assessors, an in-house service's deficit)"),
    _m("council_spend_blocks_unused", "GBP", "Council spend: unused block capacity", "flow",
       "Block-contract payments for reserved beds and hours left empty"),
    _m("client_contributions", "GBP", "Client contributions", "flow",
       "What council-funded residents pay towards their care after the means test"),
    _m("council_funded_long_term", "people", "Council-funded long-term support", "stock",
       "Council-funded residents in care homes, on homecare, on direct payments or in "
       "extra care"),
    _m("council_funded_care_home_residents", "people", "Council-funded care home residents",
       "stock", "Care home residents whose placement the council funds"),
    _m("council_homecare_hours", "hours", "Council-commissioned homecare hours", "flow",
       "Homecare hours commissioned by the council"),
    _m("people_on_direct_payments", "people", "People on direct payments", "stock",
       "Council-funded residents taking a direct payment"),
    _m("people_in_extra_care", "people", "People in extra care housing", "stock",
       "Residents in extra care flats with care on site"),
    _m("people_with_tec", "people", "People using technology-enabled care", "stock",
       "People supported at home who use technology-enabled care"),
    _m("selffunders_council_arranged", "people", "Self-funders in council-arranged places",
       "stock", "Self-funders in care homes paying the council's rate under s18(3)"),
    _m("people_in_reablement", "people", "People in reablement", "stock",
       "Residents in a short-term reablement episode"),
    _m("requests", "people", "Requests for support", "flow", "New requests to the council"),
    _m("assessments", "people", "Assessments", "flow", "Assessments completed"),
    _m("assessment_queue", "people", "Assessment queue", "stock",
       "People waiting for an assessment"),
    _m("care_home_admissions", "people", "Care home admissions", "flow",
       "Placements into care homes, all funders"),
    _m("selffunders_reaching_limit", "people", "Self-funders reaching the capital limit",
       "flow", "Self-funders whose capital fell to the upper limit and became council-funded"),
    _m("homecare_handbacks", "packages", "Homecare packages handed back", "flow",
       "Council packages returned by agencies whose costs the fee does not cover"),
    _m("population_65plus", "people", "Population aged 65+", "stock", "Everyone aged 65+"),
    _m("residents_with_needs", "people", "People aged 65+ with care needs", "stock",
       "Residents with a need level of low or above"),
    _m("deaths_with_needs", "people", "Deaths of people with care needs", "flow",
       "Deaths among residents with care needs"),
    _m("care_homes_open", "providers", "Care homes open", "stock", "Open care homes"),
    _m("homecare_agencies_open", "providers", "Homecare agencies open", "stock",
       "Open homecare agencies"),
    _m("care_workers_employed", "workers", "Care workers employed", "stock",
       "Filled care worker posts in care homes and homecare"),
    _m("workforce_vacancy_rate_care_homes", "ratio", "Vacancy rate: care homes", "ratio",
       "Vacancies / posts in care homes"),
    _m("workforce_vacancy_rate_homecare", "ratio", "Vacancy rate: homecare", "ratio",
       "Vacancies / posts in homecare"),
    _m("council_fee_residential", "GBP/week", "Council fee: residential", "ratio",
       "The council's standard weekly residential care home fee (in a region of several "
       "councils, their fees weighted by population aged 65+)"),
    _m("council_fee_homecare", "GBP/hour", "Council fee: homecare", "ratio",
       "The council's standard hourly homecare fee (in a region of several councils, "
       "their fees weighted by population aged 65+)"),
    # Working-age adults (sim.working_age)
    _m("people_in_supported_living", "people", "People in supported living", "stock",
       "Working-age clients with support hours in their own tenancy"),
    _m("people_in_shared_lives", "people", "People in Shared Lives", "stock",
       "Working-age clients living with a Shared Lives carer"),
    _m("people_in_day_opportunities", "people", "People attending day opportunities",
       "stock", "Working-age clients with a place at day opportunities"),
    _m("council_spend_supported_living", "GBP", "Council spend: supported living", "flow",
       "Supported living hours delivered times the council's hourly rate"),
    _m("council_spend_shared_lives", "GBP", "Council spend: Shared Lives", "flow",
       "Shared Lives arrangements times the weekly fee"),
    _m("council_spend_day_opportunities", "GBP", "Council spend: day opportunities", "flow",
       "Days attended at day opportunities times the daily rate"),
    _m("long_term_spend_18_64", "GBP", "Council spend on long-term support, 18-64", "flow",
       "Council spend on working-age clients aged 18-64 (clients who have turned 65 count "
       "in the older people's figures of councils' returns, not here)"),
    _m("people_supported_18_64", "people", "People aged 18-64 on long-term support",
       "stock", "Council-funded working-age clients aged 18-64 receiving a service"),
    _m("transitions_at_18", "people", "Transitions at 18", "flow",
       "Young people moving from children's services to adult long-term support"),
    _m("moves_to_supported_living", "people", "Moves from residential care to supported "
       "living", "flow", "Working-age clients leaving specialist residential care for "
       "supported living"),
    _m("specialist_residential_beds", "beds", "Specialist residential beds", "stock",
       "Registered beds in open specialist residential homes for working-age adults"),
    _m("working_age_providers_open", "providers", "Working-age providers open", "stock",
       "Open supported living, specialist residential, working-age homecare, Shared Lives "
       "and day-opportunity providers"),
    # Regions of several councils
    _m("out_of_area_placements", "people", "People placed out of area", "stock",
       "People (any funder) in a care home or on homecare with a provider in another "
       "council's area than their own district's (always 0 with one council)"),
)

INDEX: dict[str, int] = {m.name: i for i, m in enumerate(METRICS)}
#: Metrics also recorded by client group (``MetricRecorder.by_group``, groups in the order
#: of ``sim.dims.CLIENT_GROUPS``); the county rows of ``METRICS`` are their totals.
BY_GROUP = ("council_spend", "total_public_cost", "council_spend_care_homes",
            "council_spend_homecare", "council_spend_direct_payments",
            "council_spend_supported_living", "council_spend_shared_lives",
            "council_spend_day_opportunities", "council_funded_long_term",
            "council_funded_care_home_residents", "people_in_care_homes",
            "people_receiving_homecare", "people_on_direct_payments",
            "people_in_supported_living", "people_in_shared_lives",
            "people_in_day_opportunities", "people_waiting", "unmet_need_hours",
            "deaths_with_needs")
BY_NAME: dict[str, Metric] = {m.name: m for m in METRICS}
HEADLINE = ("council_spend", "people_waiting", "unmet_need_hours", "people_in_care_homes",
            "people_receiving_homecare", "provider_exits", "wellbeing_weeks")
#: Metrics also recorded by district (``MetricRecorder.by_district``); the county rows of
#: ``METRICS`` are their totals.
BY_DISTRICT = ("people_waiting", "unmet_need_hours")
#: Metrics also recorded by council of a region (``MetricRecorder.by_council``): spend by
#: the council that pays, people by the council of their district; the region's rows of
#: ``METRICS`` are their totals.
BY_COUNCIL = ("council_spend", "people_waiting", "unmet_need_hours",
              "council_funded_long_term", "council_funded_care_home_residents",
              "out_of_area_placements")


def split_breakdown(key: str) -> tuple[str, str | None]:
    """A metric named alone (``people_waiting``) or with a client group's row
    (``people_waiting[learning_disability]``): the metric and the group (None alone)."""
    if key.endswith("]") and "[" in key:
        metric, group = key[:-1].split("[", 1)
        return metric, group
    return key, None


class MetricRecorder:
    """Weekly aggregates in preallocated arrays: ``data`` (metric x week) for the county
    (the region), ``by_district`` (``BY_DISTRICT`` metric x district x week),
    ``by_council`` (``BY_COUNCIL`` metric x council x week) and ``by_group`` (``BY_GROUP``
    metric x client group x week)."""

    def __init__(self, weeks: int, districts: int, councils: int = 1):
        self.data = np.zeros((len(METRICS), weeks))
        self.by_district = np.zeros((len(BY_DISTRICT), districts, weeks))
        self.by_council = np.zeros((len(BY_COUNCIL), councils, weeks))
        self.by_group = np.zeros((len(BY_GROUP), len(CLIENT_GROUPS), weeks))

    def record(self, week: int, values: dict[str, float],
               by_district: dict[str, np.ndarray],
               by_council: dict[str, np.ndarray] | None = None,
               by_group: dict[str, np.ndarray] | None = None) -> None:
        """Store one week's values; every registered metric must be given, every
        ``BY_DISTRICT`` metric split by district, every ``BY_COUNCIL`` metric by council
        (with one council, ``by_council`` may be left out: it is the region's) and every
        ``BY_GROUP`` metric by client group (left out: all older people's)."""
        if by_council is None and self.by_council.shape[1] == 1:
            by_council = {name: values[name] for name in BY_COUNCIL}
        if by_group is None:
            by_group = {name: np.eye(len(CLIENT_GROUPS))[0] * values[name]
                        for name in BY_GROUP}
        for given, expected in ((values.keys(), INDEX.keys()),
                                (by_district.keys(), set(BY_DISTRICT)),
                                (by_council.keys(), set(BY_COUNCIL)),
                                (by_group.keys(), set(BY_GROUP))):
            missing, extra = expected - given, given - expected
            if missing or extra:
                raise KeyError(f"metrics missing {sorted(missing)} / unknown {sorted(extra)}")
        for name, value in values.items():
            self.data[INDEX[name], week] = value
        for i, name in enumerate(BY_DISTRICT):
            self.by_district[i, :, week] = by_district[name]
        for i, name in enumerate(BY_COUNCIL):
            self.by_council[i, :, week] = by_council[name]
        for i, name in enumerate(BY_GROUP):
            self.by_group[i, :, week] = by_group[name]

    def series(self, name: str) -> np.ndarray:
        return self.data[INDEX[name]]
