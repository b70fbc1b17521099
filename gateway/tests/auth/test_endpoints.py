"""Staff and resident login, lockout, TOTP, refresh rotation, logout and the JWKS."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pyotp
import pytest

from linli.common.auth import Role, TokenVerifier
from linli.common.errors import Unauthenticated
from linli.gateway.models import StaffAccount

PASSWORD = "correct horse battery"  # conftest's create_staff default
StaffFactory = Callable[..., Awaitable[StaffAccount]]


async def _login(client: httpx.AsyncClient, **body: Any) -> httpx.Response:
    return await client.post("/auth/staff/login", json={"username": "wang.li", **body})


async def test_staff_login_issues_a_token_pair_the_jwks_verifies(
    client: httpx.AsyncClient, create_staff: StaffFactory
) -> None:
    account = await create_staff(roles=("grid_worker",), grid_ids=("g-7",))

    response = await _login(client, password=PASSWORD)

    assert response.status_code == 200, response.text
    pair = response.json()
    assert pair["token_type"] == "bearer"
    assert pair["expires_in"] == 900
    jwks = (await client.get("/.well-known/jwks.json")).json()
    assert jwks["keys"][0]["kty"] == "OKP" and jwks["keys"][0]["crv"] == "Ed25519"
    verifier = TokenVerifier(issuer="linli-gateway", audience="linli", jwks=jwks)
    principal = await verifier.verify(pair["access_token"])
    assert principal.subject == str(account.id)
    assert principal.roles == {Role.GRID_WORKER}
    assert principal.scope == "330108001001"
    assert principal.grid_ids == ("g-7",)
    assert principal.resident_id is None
    assert principal.claims["typ"] == "access" and principal.claims["jti"]


async def test_username_is_case_insensitive(
    client: httpx.AsyncClient, create_staff: StaffFactory
) -> None:
    await create_staff(username="Wang.Li")

    response = await client.post(
        "/auth/staff/login", json={"username": "WANG.li", "password": PASSWORD}
    )

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/auth/staff/login", {"username": "wang\x00li", "password": PASSWORD}, "body.username"),
        ("/auth/resident/login", {"provider": "dev", "code": "dev:o6\x00x"}, "body.code"),
        ("/auth/refresh", {"refresh_token": "a\x00b"}, "body.refresh_token"),
    ],
)
async def test_a_nul_in_a_login_field_is_422_naming_it(
    client: httpx.AsyncClient,
    create_staff: StaffFactory,
    path: str,
    body: dict[str, str],
    field: str,
) -> None:
    await create_staff()

    response = await client.post(path, json=body)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [(e["field"], e["type"]) for e in response.json()["errors"]] == [(field, "value_error")]


@pytest.mark.parametrize("username", ["wang.li", "nobody"])
async def test_wrong_password_or_unknown_user_is_the_same_401(
    client: httpx.AsyncClient, create_staff: StaffFactory, username: str
) -> None:
    await create_staff()

    response = await client.post(
        "/auth/staff/login", json={"username": username, "password": "wrong password"}
    )

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"].endswith("/invalid-credentials")


async def test_five_failures_lock_the_account_even_for_the_right_password(
    client: httpx.AsyncClient, create_staff: StaffFactory
) -> None:
    await create_staff()
    statuses = [(await _login(client, password=f"wrong-{i}")).status_code for i in range(5)]

    locked = await _login(client, password=PASSWORD)

    assert statuses == [401, 401, 401, 401, 429]
    assert locked.status_code == 429
    assert locked.json()["type"].endswith("/account-locked")
    assert 890 <= int(locked.headers["retry-after"]) <= 900


async def test_a_lockout_holds_one_source_not_the_account(
    two_sources: tuple[httpx.AsyncClient, httpx.AsyncClient], create_staff: StaffFactory
) -> None:
    attacker, owner = two_sources
    await create_staff()
    for i in range(5):
        await _login(attacker, password=f"wrong-{i}")

    still_locked = await _login(attacker, password=PASSWORD)
    # The owner mistypes once, then gets it right: its own count started at zero.
    typo = await _login(owner, password="wrong password")
    owners_login = await _login(owner, password=PASSWORD)

    assert still_locked.status_code == 429
    assert typo.status_code == 401
    assert owners_login.status_code == 200, owners_login.text


async def test_unknown_user_names_lock_out_like_real_ones(client: httpx.AsyncClient) -> None:
    # Otherwise a 429 after five tries would tell a guesser that the account exists.
    statuses = [
        (
            await client.post(
                "/auth/staff/login", json={"username": "no.such.user", "password": f"w-{i}"}
            )
        ).status_code
        for i in range(6)
    ]

    assert statuses == [401, 401, 401, 401, 429, 429]


async def test_a_success_resets_the_failure_count(
    client: httpx.AsyncClient, create_staff: StaffFactory
) -> None:
    await create_staff()
    for _ in range(4):
        await _login(client, password="wrong password")
    assert (await _login(client, password=PASSWORD)).status_code == 200

    statuses = [(await _login(client, password="wrong password")).status_code for _ in range(4)]

    assert statuses == [401, 401, 401, 401]


async def test_totp_is_required_when_configured_and_codes_are_single_use(
    client: httpx.AsyncClient, create_staff: StaffFactory
) -> None:
    secret = pyotp.random_base32()
    await create_staff(totp_secret=secret)

    without = await _login(client, password=PASSWORD)
    code = pyotp.TOTP(secret).now()
    wrong = await _login(client, password=PASSWORD, totp="000000" if code != "000000" else "111111")
    right = await _login(client, password=PASSWORD, totp=code)
    replayed = await _login(client, password=PASSWORD, totp=code)

    assert without.status_code == 401
    assert without.json()["type"].endswith("/totp-required")
    assert wrong.status_code == 401
    assert wrong.json()["type"].endswith("/invalid-credentials")
    assert right.status_code == 200
    assert replayed.status_code == 401


async def test_refresh_rotates_and_reuse_revokes_the_family(
    client: httpx.AsyncClient, create_staff: StaffFactory
) -> None:
    await create_staff()
    first = (await _login(client, password=PASSWORD)).json()

    second = await client.post("/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200
    rotated = second.json()
    assert rotated["refresh_token"] != first["refresh_token"]

    reused = await client.post("/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert reused.status_code == 401
    assert reused.json()["type"].endswith("/refresh-token-reused")

    # The thief's reuse also ended the legitimate holder's session: the family is revoked.
    after = await client.post("/auth/refresh", json={"refresh_token": rotated["refresh_token"]})
    assert after.status_code == 401
    assert after.json()["type"].endswith("/invalid-refresh-token")


async def test_refresh_carries_the_same_claims(
    client: httpx.AsyncClient, create_staff: StaffFactory
) -> None:
    account = await create_staff(roles=("street_admin",), scope="330108001")
    pair = (await _login(client, password=PASSWORD)).json()

    refreshed = (
        await client.post("/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    ).json()

    jwks = (await client.get("/.well-known/jwks.json")).json()
    verifier = TokenVerifier(issuer="linli-gateway", audience="linli", jwks=jwks)
    principal = await verifier.verify(refreshed["access_token"])
    assert principal.subject == str(account.id)
    assert principal.roles == {Role.STREET_ADMIN}
    assert principal.scope == "330108001"


async def test_unknown_refresh_token_is_401(client: httpx.AsyncClient) -> None:
    response = await client.post("/auth/refresh", json={"refresh_token": "nope"})

    assert response.status_code == 401


async def test_logout_revokes_the_session(
    client: httpx.AsyncClient, create_staff: StaffFactory
) -> None:
    await create_staff()
    pair = (await _login(client, password=PASSWORD)).json()

    logout = await client.post("/auth/logout", json={"refresh_token": pair["refresh_token"]})
    refresh = await client.post("/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    again = await client.post("/auth/logout", json={"refresh_token": pair["refresh_token"]})

    assert logout.status_code == 204
    assert refresh.status_code == 401
    assert again.status_code == 204


async def test_resident_dev_login_maps_one_identity_to_one_subject(
    client: httpx.AsyncClient, create_staff: StaffFactory
) -> None:
    first = await client.post("/auth/resident/login", json={"provider": "dev", "code": "dev:o-42"})
    second = await client.post("/auth/resident/login", json={"provider": "dev", "code": "dev:o-42"})
    other = await client.post("/auth/resident/login", json={"provider": "dev", "code": "dev:o-43"})

    assert first.status_code == 200, first.text
    jwks = (await client.get("/.well-known/jwks.json")).json()
    verifier = TokenVerifier(issuer="linli-gateway", audience="linli", jwks=jwks)
    p1 = await verifier.verify(first.json()["access_token"])
    p2 = await verifier.verify(second.json()["access_token"])
    p3 = await verifier.verify(other.json()["access_token"])
    assert p1.subject == p2.subject != p3.subject
    assert p1.roles == {Role.RESIDENT}
    assert p1.scope == "" and p1.resident_id is None
    refreshed = await client.post(
        "/auth/refresh", json={"refresh_token": first.json()["refresh_token"]}
    )
    assert refreshed.status_code == 200
    assert (await verifier.verify(refreshed.json()["access_token"])).subject == p1.subject


async def test_resident_login_rejects_bad_codes_and_unknown_providers(
    client: httpx.AsyncClient,
) -> None:
    bad = await client.post("/auth/resident/login", json={"provider": "dev", "code": "o-42"})
    unknown = await client.post("/auth/resident/login", json={"provider": "wechat", "code": "abc"})

    assert bad.status_code == 401
    assert bad.json()["type"].endswith("/identity-rejected")
    assert unknown.status_code == 404
    assert unknown.json()["type"].endswith("/unknown-identity-provider")


async def test_a_forged_token_does_not_verify(client: httpx.AsyncClient) -> None:
    from linli.testing.tokens import TestIssuer

    forged = TestIssuer().issue(roles=["city_admin"], scope="3301")
    jwks = (await client.get("/.well-known/jwks.json")).json()
    verifier = TokenVerifier(issuer="linli-gateway", audience="linli", jwks=jwks)

    with pytest.raises(Unauthenticated):
        await verifier.verify(forged)


async def test_a_resident_token_carries_the_record_svc_residents_links_to_the_account(
    client: httpx.AsyncClient, registry_links: dict[str, Any]
) -> None:
    """Before approval the token holds no community; after it, the next refresh does; after a
    deletion it holds none again; while svc-residents does not answer, the last link stays."""
    jwks = (await client.get("/.well-known/jwks.json")).json()
    verifier = TokenVerifier(issuer="linli-gateway", audience="linli", jwks=jwks)
    login = await client.post("/auth/resident/login", json={"provider": "dev", "code": "dev:o-7"})
    assert login.status_code == 200, login.text
    first = await verifier.verify(login.json()["access_token"])
    assert first.scope == "" and first.resident_id is None

    resident_id = str(uuid.uuid4())
    registry_links[first.subject] = {"id": resident_id, "community_code": "330108001001"}

    async def refresh(pair: dict[str, Any]) -> tuple[dict[str, Any], Any]:
        response = await client.post("/auth/refresh", json={"refresh_token": pair["refresh_token"]})
        assert response.status_code == 200, response.text
        return response.json(), await verifier.verify(response.json()["access_token"])

    pair, approved = await refresh(login.json())
    assert (approved.scope, approved.resident_id) == ("330108001001", resident_id)

    registry_links["down"] = True
    pair, during_outage = await refresh(pair)
    assert (during_outage.scope, during_outage.resident_id) == ("330108001001", resident_id)

    registry_links.clear()
    pair, deleted = await refresh(pair)
    assert deleted.scope == "" and deleted.resident_id is None

    registry_links[first.subject] = {"id": resident_id, "community_code": "330108002001"}
    again = await client.post("/auth/resident/login", json={"provider": "dev", "code": "dev:o-7"})
    moved = await verifier.verify(again.json()["access_token"])
    assert moved.subject == first.subject and moved.scope == "330108002001"
