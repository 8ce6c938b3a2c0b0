"""Shared fixtures: parameters load once per session; small, short models for speed."""

import pytest

from sim.parameters import load_parameters



@pytest.fixture(scope="session")
def params():
    return load_parameters()
