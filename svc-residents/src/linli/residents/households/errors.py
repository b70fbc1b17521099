"""Refusals of the household and resident registry."""

from __future__ import annotations

from linli.common.errors import Conflict, FieldError, InvalidInput, NotFound


class ResidentAlreadyRegistered(Conflict):
    """A resident with this ID number is already in the registry."""

    problem = "resident-already-registered"
    title_en = "Resident already registered"
    title_zh = "该居民已登记"


class HouseholdHasHead(Conflict):
    """The household already has a head (户主); change the first one's relation first."""

    problem = "household-has-head"
    title_en = "Household already has a head"
    title_zh = "该户已有户主"

    def __init__(self) -> None:
        super().__init__(
            "this household already has a head; set the current head's relation_to_head to "
            "another relation first"
        )


class ResidentNotFound(NotFound):
    """No live resident with this id that the caller may see."""

    problem = "resident-not-found"
    title_en = "Resident not found"
    title_zh = "居民不存在"


class HouseholdNotFound(NotFound):
    """No live household with this id that the caller may see."""

    problem = "household-not-found"
    title_en = "Household not found"
    title_zh = "住户不存在"


class DwellingOccupied(Conflict):
    """The dwelling already has a live household: add residents to it instead."""

    problem = "dwelling-occupied"
    title_en = "Dwelling already has a household"
    title_zh = "该房屋已有住户"


class HouseholdNotEmpty(Conflict):
    """A household with live residents cannot be deleted."""

    problem = "household-not-empty"
    title_en = "Household still has residents"
    title_zh = "住户下仍有居民"


class PurposeRequired(InvalidInput):
    """A clear read must say why (`purpose`): it is written to the audit log."""

    problem = "purpose-required"
    title_en = "Purpose required"
    title_zh = "需要说明查看目的"

    def __init__(self) -> None:
        super().__init__(
            "reveal=true needs a purpose",
            errors=[
                FieldError(
                    "query.purpose", "missing", "required when reveal=true", "reveal=true 时必填"
                )
            ],
        )
