"""POST /divisions/import and the division tree's GET endpoints, against the real database."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from linli.common.auth import Role
from linli.common.divisions import Level
from linli.residents.models import Division
from linli.testing import OutboxReader
from linli.testing.tokens import TestIssuer

CSV = "code,name\n3301,杭州市\n330108,滨江区\n330108001,西兴街道\n330108001001,东信社区\n"
CSV_HEADERS = {"Content-Type": "text/csv; charset=utf-8"}


def city_admin(issuer: TestIssuer, scope: str = "3301") -> dict[str, str]:
    return issuer.headers(roles=[Role.CITY_ADMIN], scope=scope, subject="city-admin")


async def stored(sessionmaker: async_sessionmaker[AsyncSession]) -> dict[str, Division]:
    async with sessionmaker() as session:
        return {d.code: d for d in (await session.scalars(select(Division))).all()}


async def post_csv(
    client: httpx.AsyncClient, content: str | bytes, headers: dict[str, str]
) -> httpx.Response:
    body = content.encode() if isinstance(content, str) else content
    return await client.post("/divisions/import", content=body, headers=headers | CSV_HEADERS)


async def test_import_creates_the_tree_and_records_one_event_on_the_importers_subject(
    client: httpx.AsyncClient,
    issuer: TestIssuer,
    sessionmaker: async_sessionmaker[AsyncSession],
    outbox: OutboxReader,
) -> None:
    response = await post_csv(client, CSV, city_admin(issuer))

    assert response.status_code == 200, response.text
    assert response.json() == {"created": 4, "updated": 0, "unchanged": 0}
    divisions = await stored(sessionmaker)
    assert {code: (d.name, d.level, d.parent_code) for code, d in divisions.items()} == {
        "3301": ("杭州市", Level.CITY, None),
        "330108": ("滨江区", Level.DISTRICT, "3301"),
        "330108001": ("西兴街道", Level.STREET, "330108"),
        "330108001001": ("东信社区", Level.COMMUNITY, "330108001"),
    }
    [event] = await outbox.messages()
    assert event.subject == "linli.3301._._._.residents.division.imported"
    assert event.payload["type"] == "cn.linli.residents.division.imported.v1"
    assert event.payload["data"] == {
        "type": "cn.linli.residents.division.imported.v1",
        "community_code": None,
        "scope_code": "3301",
        "created": 4,
        "updated": 0,
        "unchanged": 0,
    }


async def test_reimport_renames_and_counts_unchanged_rows(
    client: httpx.AsyncClient,
    issuer: TestIssuer,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    await post_csv(client, CSV, city_admin(issuer))

    renamed = CSV.replace("东信社区", "东信社区（新）") + "330108001002,江汉社区\n"
    response = await post_csv(client, renamed, city_admin(issuer))

    assert response.json() == {"created": 1, "updated": 1, "unchanged": 3}
    assert (await stored(sessionmaker))["330108001001"].name == "东信社区（新）"


async def test_import_accepts_a_multipart_upload_and_a_bom(
    client: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    content = "\ufeff".encode() + CSV.encode()
    response = await client.post(
        "/divisions/import",
        files={"file": ("divisions.csv", content, "text/csv")},
        headers=city_admin(issuer),
    )

    assert response.status_code == 200, response.text
    assert response.json()["created"] == 4


async def test_a_street_admin_imports_its_communities_under_a_stored_street(
    client: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    await post_csv(client, CSV, city_admin(issuer))
    street_admin = issuer.headers(roles=[Role.STREET_ADMIN], scope="330108001")

    response = await post_csv(client, "code,name\n330108001002,江汉社区\n", street_admin)

    assert response.status_code == 200, response.text


async def test_every_bad_row_is_reported_and_nothing_is_stored(
    client: httpx.AsyncClient,
    issuer: TestIssuer,
    sessionmaker: async_sessionmaker[AsyncSession],
    outbox: OutboxReader,
) -> None:
    content = (
        "code,name\n"
        "3301,杭州市\n"  # row 2: fine
        "33010,坏编码\n"  # row 3: 5 digits
        "330108,\n"  # row 4: no name
        "330199001,孤儿街道\n"  # row 5: parent 330199 nowhere
        "3301,杭州市重复\n"  # row 6: duplicate of row 2
        "330108001,西兴街道,多余\n"  # row 7: three columns
        "\n"  # blank line: skipped, still counted
        "abc,字母\n"  # row 9: not digits
    )

    response = await post_csv(client, content, city_admin(issuer))

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"].endswith("/division-rows-invalid")
    rows = {row["row"]: row for row in problem["rows"]}
    assert sorted(rows) == [3, 4, 5, 6, 7, 9]
    assert rows[3]["code"] == "33010"
    assert "code must be" in rows[3]["errors"][0]
    assert rows[4]["errors"] == ["name is missing"]
    assert "parent 330199" in rows[5]["errors"][0]
    assert rows[6]["errors"] == ["duplicate of row 2"]
    assert "expected 2 columns" in rows[7]["errors"][0]
    assert rows[9]["code"] == "abc"
    assert await stored(sessionmaker) == {}
    assert await outbox.messages() == []


async def test_a_row_outside_the_importers_scope_refuses_the_whole_file(
    client: httpx.AsyncClient,
    issuer: TestIssuer,
    sessionmaker: async_sessionmaker[AsyncSession],
    outbox: OutboxReader,
) -> None:
    await post_csv(client, CSV, city_admin(issuer))
    street_admin = issuer.headers(roles=[Role.STREET_ADMIN], scope="330108001")
    content = "code,name\n330108001002,江汉社区\n330108002,长河街道\n"

    response = await post_csv(client, content, street_admin)

    assert response.status_code == 403
    assert response.json()["rows"] == [
        {"row": 3, "code": "330108002", "errors": ["outside your scope"]}
    ]
    assert "330108001002" not in await stored(sessionmaker)
    assert len(await outbox.messages()) == 1  # the city admin's import only


@pytest.mark.parametrize("role", [Role.RESIDENT, Role.COMMUNITY_WORKER, Role.GRID_WORKER])
async def test_roles_that_may_never_import_get_403(
    client: httpx.AsyncClient, issuer: TestIssuer, role: Role
) -> None:
    headers = issuer.headers(roles=[role], scope="3301")

    response = await post_csv(client, CSV, headers)

    assert response.status_code == 403


async def test_no_token_is_401(client: httpx.AsyncClient) -> None:
    response = await client.post("/divisions/import", content=CSV.encode(), headers=CSV_HEADERS)

    assert response.status_code == 401


@pytest.mark.parametrize(
    ("content", "detail"),
    [
        ("名称,编码\n3301,杭州市\n".encode(), "header"),
        ("code,name\n3301,杭州市\n".encode("gbk"), "UTF-8"),
        (b"code,name\n", "no rows"),
    ],
)
async def test_unreadable_files_are_422(
    client: httpx.AsyncClient, issuer: TestIssuer, content: bytes, detail: str
) -> None:
    response = await post_csv(client, content, city_admin(issuer))

    assert response.status_code == 422
    assert detail in response.json()["detail"]


async def test_other_media_types_are_415(client: httpx.AsyncClient, issuer: TestIssuer) -> None:
    response = await client.post(
        "/divisions/import", json={"code": "3301"}, headers=city_admin(issuer)
    )

    assert response.status_code == 415


async def test_idempotency_key_replays_the_first_answer_and_refuses_another_body(
    client: httpx.AsyncClient,
    issuer: TestIssuer,
    sessionmaker: async_sessionmaker[AsyncSession],
    outbox: OutboxReader,
) -> None:
    headers = city_admin(issuer) | {"Idempotency-Key": "import-1"}

    first = await post_csv(client, CSV, headers)
    again = await post_csv(client, CSV, headers)
    other = await post_csv(client, CSV + "330108002,长河街道\n", headers)

    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert other.status_code == 422
    assert len(await outbox.messages()) == 1


async def browse(
    client: httpx.AsyncClient, headers: dict[str, str], **params: Any
) -> httpx.Response:
    return await client.get("/divisions", params=params, headers=headers)


@pytest.mark.usefixtures("tree")
async def test_listing_starts_at_the_callers_scope_and_walks_down(
    client: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    admin = city_admin(issuer)

    top = await browse(client, admin)
    streets = await browse(client, admin, parent="330108")

    assert [d["code"] for d in top.json()["items"]] == ["3301"]
    assert [d["code"] for d in streets.json()["items"]] == ["330108001", "330108002"]
    assert streets.json()["items"][0] == {
        "code": "330108001",
        "name": "西兴街道",
        "level": "street",
        "parent_code": "330108",
    }


@pytest.mark.usefixtures("tree")
async def test_listing_pages_with_an_opaque_cursor(
    client: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    admin = city_admin(issuer)

    first = (await browse(client, admin, parent="330108", limit=1)).json()
    second = (
        await browse(client, admin, parent="330108", limit=1, cursor=first["next_cursor"])
    ).json()
    bad = await browse(client, admin, parent="330108", cursor="not-a-cursor")

    assert [d["code"] for d in first["items"]] == ["330108001"]
    assert [d["code"] for d in second["items"]] == ["330108002"]
    assert second["next_cursor"] is None
    assert bad.status_code == 422


@pytest.mark.usefixtures("tree")
async def test_listing_outside_scope_is_403_and_reading_outside_scope_is_404(
    client: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    worker = issuer.headers(roles=[Role.COMMUNITY_WORKER], scope="330108001001")

    own = await client.get("/divisions/330108001001", headers=worker)
    other = await client.get("/divisions/330108001002", headers=worker)
    missing = await client.get("/divisions/330108001009", headers=worker)
    siblings = await browse(client, worker, parent="330108001")
    top = await browse(client, worker)

    assert own.status_code == 200
    assert other.status_code == missing.status_code == 404
    assert other.json()["type"] == missing.json()["type"]
    assert siblings.status_code == 403
    assert [d["code"] for d in top.json()["items"]] == ["330108001001"]


@pytest.mark.usefixtures("tree")
async def test_residents_cannot_browse_the_tree(
    client: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    response = await browse(client, issuer.headers(roles=[Role.RESIDENT]))

    assert response.status_code == 403


async def test_a_malformed_code_is_422_naming_the_parameter(
    client: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    response = await browse(client, city_admin(issuer), parent="33x")

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["query.parent"]


# --- deleting a division -------------------------------------------------------------------------

SPARE = "330108001002"


async def test_an_empty_division_is_deleted_and_published_on_its_own_subject(
    client: httpx.AsyncClient,
    issuer: TestIssuer,
    sessionmaker: async_sessionmaker[AsyncSession],
    outbox: OutboxReader,
) -> None:
    await post_csv(client, CSV + f"{SPARE},江汉社区\n", city_admin(issuer))

    response = await client.delete(f"/divisions/{SPARE}", headers=city_admin(issuer))

    assert response.status_code == 204, response.text
    assert SPARE not in await stored(sessionmaker)
    assert (await client.get(f"/divisions/{SPARE}", headers=city_admin(issuer))).status_code == 404
    event = (await outbox.messages())[-1]
    assert event.subject == f"linli.3301.330108.330108001.{SPARE}.residents.division.deleted"
    data = event.payload["data"]
    assert (data["code"], data["name"], data["level"]) == (SPARE, "江汉社区", "community")


async def test_a_division_with_units_below_or_records_in_it_is_409_and_stays(
    client: httpx.AsyncClient,
    issuer: TestIssuer,
    sessionmaker: async_sessionmaker[AsyncSession],
    registration_payload: Any,
    outbox: OutboxReader,
) -> None:
    await post_csv(client, CSV, city_admin(issuer))
    registered = await client.post(
        "/registrations",
        json=registration_payload(),
        headers=issuer.headers(roles=[Role.RESIDENT], subject="alice"),
    )
    assert registered.status_code == 201, registered.text
    events_before = len(await outbox.messages())

    street = await client.delete("/divisions/330108001", headers=city_admin(issuer))
    community = await client.delete("/divisions/330108001001", headers=city_admin(issuer))

    assert street.status_code == community.status_code == 409
    assert street.headers["content-type"] == "application/problem+json"
    assert street.json()["held_by"] == ["divisions"]
    assert community.json()["held_by"] == ["registrations"]
    assert {"330108001", "330108001001"} <= set(await stored(sessionmaker))
    assert len(await outbox.messages()) == events_before


async def test_who_may_delete_which_division(client: httpx.AsyncClient, issuer: TestIssuer) -> None:
    await post_csv(client, CSV + f"{SPARE},江汉社区\n", city_admin(issuer))

    def street_admin(scope: str) -> dict[str, str]:
        return issuer.headers(roles=[Role.STREET_ADMIN], scope=scope, subject=f"admin-{scope}")

    worker = issuer.headers(roles=[Role.COMMUNITY_WORKER], scope=SPARE, subject="worker")
    attempts = {
        "community worker of it": await client.delete(f"/divisions/{SPARE}", headers=worker),
        "other street's admin": await client.delete(
            f"/divisions/{SPARE}", headers=street_admin("330108002")
        ),
        "street admin, own street": await client.delete(
            "/divisions/330108001", headers=street_admin("330108001")
        ),
        "unknown code": await client.delete(
            "/divisions/330108001099", headers=street_admin("330108001")
        ),
        "not a code": await client.delete("/divisions/33010", headers=city_admin(issuer)),
        "street admin, a community of the street": await client.delete(
            f"/divisions/{SPARE}", headers=street_admin("330108001")
        ),
    }

    assert {who: r.status_code for who, r in attempts.items()} == {
        "community worker of it": 403,
        "other street's admin": 404,
        "street admin, own street": 403,
        "unknown code": 404,
        "not a code": 422,
        "street admin, a community of the street": 204,
    }
