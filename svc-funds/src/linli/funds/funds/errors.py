"""Refusals of funds."""

from __future__ import annotations

from linli.common.errors import Conflict, NotFound


class FundNotFound(NotFound):
    """No fund with this id (or none the caller manages)."""

    problem = "fund-not-found"
    title_en = "Fund not found"
    title_zh = "基金不存在"


class FundNameTaken(Conflict):
    """The division already has a fund of this name."""

    problem = "fund-name-taken"
    title_en = "Fund name already used in this division"
    title_zh = "该区划已有同名基金"
