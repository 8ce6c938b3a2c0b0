"""The working-age part of the market, run inside each phase of the model's week."""

from __future__ import annotations

from .clients import WorkingAgeClients
from .commissioning import WorkingAgeCommissioning
from .delivery import WorkingAgeDelivery
from .demography import WorkingAgeDemography
from .market import WorkingAgeMarket
from .placement import WorkingAgePlacement
from .setup import build_working_age


class WorkingAge:
    """Working-age clients (learning disability, mental health, physical or sensory
    impairment, autism), their providers and the councils' commissioning for them."""

    def __init__(self, model):
        self.model = model
        self.clients = WorkingAgeClients()
        self.market = WorkingAgeMarket(model, self.clients)
        self.commissioning = WorkingAgeCommissioning(model)
        self.demography = WorkingAgeDemography(model, self.clients)
        self.placement = WorkingAgePlacement(model, self.clients, self.market)
        self.delivery = WorkingAgeDelivery(model, self.clients, self.market, self.commissioning)
        self.accounts = None
        build_working_age(self, model.streams["wa_setup"])

    def start_week(self, april: bool) -> None:
        """Counters reset; in April the new financial year (fees, budgets, population and
        transitions growth; wages are reset with older people's providers')."""
        self.market.reset_week()
        self.demography.reset_week()
        if april:
            self.commissioning.new_financial_year()
            self.demography.new_financial_year()

    def apply_change(self, path: str, value) -> None:
        """A dated parameter change that resets working-age state."""
        self.commissioning.reset_state(path, value)
        if path == "working_age.transitions_per_year":
            self.demography.transitions_per_year = value.astype(float).copy()

    def demography_phase(self) -> None:
        self.demography.step()
        self.demography.arrive()

    def place(self) -> None:
        self.placement.run()

    def deliver_care(self) -> None:
        self.accounts = self.delivery.run()

    def exit_and_entry(self) -> None:
        self.market.exit_and_fail()
        self.market.plan_entries()
        self.market.open_due()
