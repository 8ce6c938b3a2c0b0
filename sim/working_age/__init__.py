"""Working-age adults (18-64): client groups, their services and providers."""

from .codes import WORKING_AGE, Group, Service, WASetting
from .system import WorkingAge

__all__ = ["WORKING_AGE", "Group", "Service", "WASetting", "WorkingAge"]
