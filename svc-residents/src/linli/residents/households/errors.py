"""Refusals of the household and resident registry."""

from __future__ import annotations

from linli.common.errors import Conflict


class ResidentAlreadyRegistered(Conflict):
    """A resident with this ID number is already in the registry."""

    problem = "resident-already-registered"
    title_en = "Resident already registered"
    title_zh = "该居民已登记"
