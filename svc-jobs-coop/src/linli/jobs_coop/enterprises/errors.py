"""Refusals of enterprises and micro-factories."""

from __future__ import annotations

from linli.common.errors import Conflict, NotFound


class EnterpriseNotFound(NotFound):
    """No enterprise with this id within the caller's reach."""

    problem = "enterprise-not-found"
    title_en = "Enterprise not found"
    title_zh = "企业不存在"


class AccountLinkedElsewhere(Conflict):
    """The login acts for another enterprise already: one login, one enterprise."""

    problem = "account-linked-elsewhere"
    title_en = "The login already acts for another enterprise"
    title_zh = "该账号已关联其他企业"


class FactoryNotFound(NotFound):
    """No micro-factory with this id within the caller's reach."""

    problem = "factory-not-found"
    title_en = "Micro-factory not found"
    title_zh = "微工厂不存在"
