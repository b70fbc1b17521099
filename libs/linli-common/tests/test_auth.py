"""Token verification in every service: what the gateway signed passes, nothing else does."""

from __future__ import annotations

import asyncio

import pytest

from linli.common.auth import Role
from linli.common.errors import Forbidden, NotFound, Unauthenticated
from linli.testing.tokens import TestIssuer


async def test_a_gateway_token_becomes_the_principal() -> None:
    issuer = TestIssuer()
    token = issuer.issue(roles=["community_worker", "not-a-role"], scope="330108001001")
    principal = await issuer.verifier().verify(token)
    assert principal.roles == frozenset({Role.COMMUNITY_WORKER})
    assert principal.scope == "330108001001"


@pytest.mark.parametrize(
    ("token_kwargs", "reason"),
    [
        ({"expires_in": -10}, "token expired"),
        ({"token_type": "refresh"}, "not an access token"),
    ],
)
async def test_expired_or_wrong_type_tokens_are_refused(
    token_kwargs: dict[str, object], reason: str
) -> None:
    issuer = TestIssuer()
    with pytest.raises(Unauthenticated, match=reason):
        await issuer.verifier().verify(issuer.issue(roles=["resident"], **token_kwargs))  # type: ignore[arg-type]


async def test_forged_and_foreign_tokens_are_refused() -> None:
    issuer, stranger = TestIssuer(), TestIssuer(kid="test-key")
    verifier = issuer.verifier()
    # Same kid, another key: the signature does not verify.
    with pytest.raises(Unauthenticated, match="invalid token"):
        await verifier.verify(stranger.issue(roles=["city_admin"], scope="3301"))
    with pytest.raises(Unauthenticated, match="unknown key"):
        await verifier.verify(TestIssuer(kid="other").issue(roles=["city_admin"]))
    with pytest.raises(Unauthenticated, match="malformed"):
        await verifier.verify("not.a.jwt")


async def test_a_cached_token_still_expires() -> None:
    issuer = TestIssuer()
    verifier = issuer.verifier()
    token = issuer.issue(roles=["resident"], expires_in=1)
    await verifier.verify(token)
    await asyncio.sleep(1.1)
    with pytest.raises(Unauthenticated, match="expired"):
        await verifier.verify(token)


async def test_scope_rule_403_for_a_scope_not_held_404_for_an_object_outside() -> None:
    issuer = TestIssuer()
    principal = await issuer.verifier().verify(
        issuer.issue(roles=["street_admin"], scope="330108001")
    )
    principal.require_scope("330108001002")
    principal.require_visible("330108001002")
    with pytest.raises(Forbidden):
        principal.require_scope("330108002001")
    with pytest.raises(NotFound):
        principal.require_visible("330108002001")
    with pytest.raises(Forbidden):
        principal.require_role(Role.CITY_ADMIN)
