"""Refusals of Open311: the standard's error list (`code`, `description`), and the bearer API's."""

from __future__ import annotations

from linli.common.errors import NotFound


class Open311Error(Exception):
    """A refusal answered in GeoReport v2's format: 400 bad request, 403 api_key, 404 not found."""

    def __init__(self, status: int, *descriptions: str) -> None:
        super().__init__("; ".join(descriptions))
        self.status = status
        self.descriptions = descriptions or ("error",)


def bad_request(*descriptions: str) -> Open311Error:
    return Open311Error(400, *descriptions)


class ClientNotFound(NotFound):
    """No such Open311 client, or not one of the caller's scope."""

    problem = "open311-client-not-found"
    title_en = "Open311 client not found"
    title_zh = "Open311 客户端不存在"
