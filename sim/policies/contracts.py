"""Block contracts: capacity the council reserves and pays for whether used or not."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ..providers import Setting
from .base import AIM, Intervention, InterventionArgs, council_field
from .registry import register

SETTINGS = {"homecare": Setting.HOMECARE, "care_homes": Setting.CARE_HOME}


class BlockContractArgs(InterventionArgs):
    service: Literal["homecare", "care_homes"] = Field(
        description="homecare (hours a week) or care_homes (beds).")
    amount: float = Field(gt=0, description="Hours a week (homecare) or beds (care homes) "
                          "reserved, for the whole county.")
    price: float | None = Field(default=None, gt=0, description="Price per reserved hour "
                                "(GBP/hour) or bed-week (GBP/week), uplifted each April "
                                "with fees; default the council's fee less the parameter "
                                "commissioner.block_price_discount.")
    council: str | list[str] | None = council_field(
        f"{AIM}only they reserve the `amount`, shared among them by population aged 65+, "
        "each with providers in its own area.")


@register
class BlockContract(Intervention):
    """Reserved homecare hours or beds with Good framework providers (in a region of
    several councils, each council it applies to reserves its share of the amount by
    population aged 65+, with providers in its own area)."""

    name = "block_contract"
    summary = ("Reserve homecare hours or care home beds, with framework providers rated "
               "Good or better first, paid whether used or not; released at `until`.")
    Args = BlockContractArgs

    def setup(self, model) -> None:
        self.setting = SETTINGS[self.args.service]
        self.amount = self.args.amount * model.scale
        self.reserved = [0.0] * len(model.commissioners)

    def start(self, model) -> None:
        if self.args.price is not None:
            for c in self.aimed_at(model):
                c.block_prices[self.setting] = self.args.price

    def step(self, model) -> None:
        """Each council it applies to reserves its population share of the amount."""
        wanted = self.amount * self.strength(model.week)
        shares = self.council_shares(model)
        for c in self.aimed_at(model):
            share = shares[c.council]
            c.block_targets[self.setting] += wanted * share - self.reserved[c.council]
            self.reserved[c.council] = wanted * share

    def finish(self, model) -> None:
        for c in self.aimed_at(model):
            c.block_targets[self.setting] -= self.reserved[c.council]
            self.reserved[c.council] = 0.0
            if self.args.price is not None:
                c.block_prices[self.setting] = None
