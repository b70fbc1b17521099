"""Hostile input over HTTP: NUL characters, non-ASCII digits, malformed JSON, and the wording of
refusals. Each was a 500 (or a misleading answer) once; each is now a 422 naming the field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from linli.common.auth import Role
from linli.common.pii import PiiAccessLog
from linli.residents.models import Registration
from linli.testing.tokens import TestIssuer

pytestmark = pytest.mark.usefixtures("tree")

PayloadFactory = Callable[..., dict[str, Any]]
COMMUNITY = "330108001001"


def resident(issuer: TestIssuer) -> dict[str, str]:
    return issuer.headers(roles=[Role.RESIDENT], subject="resident-1")


def worker(issuer: TestIssuer) -> dict[str, str]:
    return issuer.headers(roles=[Role.COMMUNITY_WORKER], scope=COMMUNITY, subject="worker-1")


def city_admin(issuer: TestIssuer) -> dict[str, str]:
    return issuer.headers(roles=[Role.CITY_ADMIN], scope="3301", subject="admin-1")


async def count(sessionmaker: async_sessionmaker[AsyncSession], model: type[Any]) -> int:
    async with sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


def fields(response: httpx.Response) -> list[str]:
    assert response.headers["content-type"] == "application/problem+json", response.text
    return sorted(error["field"] for error in response.json()["errors"])


# --- NUL (U+0000) --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": "张\x00三"}, "body.name"),
        ({"address": {"building": "3幢", "unit": "2单元", "room": "5\x0001"}}, "body.address.room"),
    ],
)
async def test_a_nul_in_a_json_body_is_422_naming_the_field_and_stores_nothing(
    client: httpx.AsyncClient,
    issuer: TestIssuer,
    registration_payload: PayloadFactory,
    sessionmaker: async_sessionmaker[AsyncSession],
    overrides: dict[str, Any],
    field: str,
) -> None:
    response = await client.post(
        "/registrations", json=registration_payload(**overrides), headers=resident(issuer)
    )

    assert response.status_code == 422
    assert fields(response) == [field]
    assert response.json()["errors"][0]["type"] == "nul_character"
    assert await count(sessionmaker, Registration) == 0


async def test_a_nul_in_a_query_or_path_parameter_is_422_naming_it(
    client: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    by_name = await client.get("/residents", params={"name": "张\x00"}, headers=worker(issuer))
    in_path = await client.get("/divisions/3301%00", headers=city_admin(issuer))
    chinese = await client.get(
        "/residents",
        params={"name": "张\x00"},
        headers={**worker(issuer), "Accept-Language": "zh-CN"},
    )

    assert by_name.status_code == in_path.status_code == chinese.status_code == 422
    assert fields(by_name) == ["query.name"]
    assert fields(in_path) == ["path.code"]
    assert chinese.json()["errors"][0]["message"] == "不能包含空字符（U+0000）"


async def test_an_export_purpose_with_a_nul_is_422_before_the_stream_starts(
    client: httpx.AsyncClient, issuer: TestIssuer, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    response = await client.get(
        "/exports/residents.csv",
        params={"reveal": "true", "purpose": "核对\x00"},
        headers=worker(issuer),
    )

    assert response.status_code == 422
    assert fields(response) == ["query.purpose"]
    assert await count(sessionmaker, PiiAccessLog) == 0


# --- digits that are not ASCII -------------------------------------------------------------------


@pytest.mark.parametrize("code", ["３３０１０８００１００１", "٣٣٠١٠٨٠٠١٠٠١", "33010800100１"])
async def test_a_community_code_of_non_ascii_digits_is_422(
    client: httpx.AsyncClient,
    issuer: TestIssuer,
    registration_payload: PayloadFactory,
    code: str,
) -> None:
    response = await client.post(
        "/registrations", json=registration_payload(community_code=code), headers=resident(issuer)
    )

    assert response.status_code == 422
    assert fields(response) == ["body.community_code"]
    # Refused as no code at all, not looked up as one that was never imported.
    [error] = response.json()["errors"]
    assert error["type"] == "value_error"
    assert "12 digits" in error["message"]


@pytest.mark.parametrize("code", ["３３０１", "٣٣٠١"])
async def test_a_division_of_non_ascii_digits_is_422_in_a_query_and_in_a_path(
    client: httpx.AsyncClient, issuer: TestIssuer, code: str
) -> None:
    listed = await client.get("/grids", params={"division": code}, headers=city_admin(issuer))
    named = await client.get(f"/divisions/{code}", headers=city_admin(issuer))

    assert listed.status_code == named.status_code == 422
    assert fields(listed) == ["query.division"]
    assert fields(named) == ["path.code"]


async def test_an_id_number_or_phone_of_full_width_digits_is_422(
    client: httpx.AsyncClient,
    issuer: TestIssuer,
    registration_payload: PayloadFactory,
    make_id_number: Callable[[str], str],
) -> None:
    ascii_number = make_id_number("33010819900307123")
    full_width = ascii_number.translate(str.maketrans("0123456789", "０１２３４５６７８９"))

    response = await client.post(
        "/registrations",
        json=registration_payload(id_number=full_width, phone="１３８１２３４５６７８"),
        headers=resident(issuer),
    )

    assert response.status_code == 422
    assert fields(response) == ["body.id_number", "body.phone"]


# --- malformed JSON and the wording of refusals --------------------------------------------------


async def test_malformed_json_is_reported_on_the_body_with_the_position_in_the_message(
    client: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    response = await client.post(
        "/registrations",
        content=b'{"community_code": "330108001001", "name": }',
        headers={**resident(issuer), "Content-Type": "application/json"},
    )

    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"] == "body"
    assert error["type"] == "json_invalid"
    assert "at character 44" in error["message"]


async def test_a_service_s_own_field_refusal_is_worded_in_chinese_for_a_chinese_client(
    client: httpx.AsyncClient, issuer: TestIssuer, registration_payload: PayloadFactory
) -> None:
    payload = registration_payload(community_code="330108001099")

    chinese = await client.post(
        "/registrations", json=payload, headers={**resident(issuer), "Accept-Language": "zh"}
    )
    english = await client.post("/registrations", json=payload, headers=resident(issuer))

    assert chinese.status_code == english.status_code == 422
    assert chinese.json()["errors"] == [
        {
            "field": "body.community_code",
            "message": "社区 330108001099 尚未导入",
            "type": "unknown_community",
        }
    ]
    assert english.json()["errors"][0]["message"] == "no community 330108001099 has been imported"


async def test_no_message_carries_pydantic_s_value_error_prefix(
    client: httpx.AsyncClient, issuer: TestIssuer, registration_payload: PayloadFactory
) -> None:
    response = await client.post(
        "/registrations",
        json=registration_payload(consent=False, phone="12345"),
        headers=resident(issuer),
    )

    messages = [error["message"] for error in response.json()["errors"]]
    assert len(messages) == 2
    assert not [m for m in messages if m.startswith("Value error")]
