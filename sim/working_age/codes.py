"""Codes of the working-age part of the model: client groups, services and settings."""

from __future__ import annotations

import numpy as np

from ..codes import Codes


class Group(metaclass=Codes):
    """Client group: a resident's primary support reason (older people are the residents
    of ``sim.residents``; the others are working-age clients, ``WorkingAgeClients``)."""

    OLDER_PEOPLE = 0
    LEARNING_DISABILITY = 1
    MENTAL_HEALTH = 2
    PHYSICAL_SENSORY = 3
    AUTISM = 4


#: The working-age groups, in the order of the ``client_group`` dimension.
WORKING_AGE = (Group.LEARNING_DISABILITY, Group.MENTAL_HEALTH, Group.PHYSICAL_SENSORY,
               Group.AUTISM)


class Service(metaclass=Codes):
    """What a working-age client receives (codes below ``WAITING`` follow the ``wa_service``
    dimension)."""

    SUPPORTED_LIVING = 0   # support hours in their own tenancy, plus shared core hours
    RESIDENTIAL = 1        # a specialist residential home
    HOMECARE = 2
    SHARED_LIVES = 3       # living with a Shared Lives carer
    DIRECT_PAYMENT = 4
    DAY_ONLY = 5           # living with family, day opportunities only
    WAITING = 6            # eligible, waiting for a service


class WASetting(metaclass=Codes):
    """Settings of working-age providers (the ``wa_setting`` dimension)."""

    SUPPORTED_LIVING = 0
    SPECIALIST_RESIDENTIAL = 1
    HOMECARE = 2
    SHARED_LIVES = 3
    DAY_OPPORTUNITIES = 4


NO_SETTING = -1
#: The provider setting of each service (by ``Service`` code; none for direct payments
#: and waiting; day-only clients' day provider is their ``day_provider``).
SETTING_OF_SERVICE = np.array([WASetting.SUPPORTED_LIVING, WASetting.SPECIALIST_RESIDENTIAL,
                               WASetting.HOMECARE, WASetting.SHARED_LIVES, NO_SETTING,
                               WASetting.DAY_OPPORTUNITIES, NO_SETTING], dtype=np.int8)
#: Settings whose capacity is hours staff can deliver (the others: places).
HOURLY = (WASetting.SUPPORTED_LIVING, WASetting.HOMECARE)


def is_hourly(setting: np.ndarray) -> np.ndarray:
    """Mask of settings in ``HOURLY``."""
    return (setting == HOURLY[0]) | (setting == HOURLY[1])
#: Services in which a client may also attend day opportunities.
WITH_DAY_OPTION = (Service.SUPPORTED_LIVING, Service.HOMECARE, Service.SHARED_LIVES,
                   Service.DIRECT_PAYMENT)
