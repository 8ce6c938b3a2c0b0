"""Interventions as plug-ins: the contract (``base``), the registry, and the library.

Importing this package registers every intervention in the library.
"""

from . import contracts, fees, housing, market, pathway, selffunders, workforce  # noqa: F401
from .base import Intervention, InterventionArgs, PolicySet, from_parameter
from .registry import (
           REGISTRY,
           InterventionSpec,
           catalogue_markdown,
           check_entries,
           register,
)

__all__ = ["REGISTRY", "Intervention", "InterventionArgs", "InterventionSpec", "PolicySet",
           "catalogue_markdown", "check_entries", "from_parameter", "register"]
