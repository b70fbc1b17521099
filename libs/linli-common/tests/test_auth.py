"""Token verification in every service: what the gateway signed passes, nothing else does."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from linli.common.auth import Principal, Role
from linli.common.errors import Forbidden, NotFound, Unauthenticated
from linli.testing.tokens import TestIssuer, serve_jwks


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


async def test_a_token_of_a_rotated_key_is_accepted_once_the_verifier_refetches() -> None:
    issuer = TestIssuer(kid="first")
    with serve_jwks(issuer) as jwks:
        verifier = issuer.verifier(jwks_url=jwks.url, min_refresh_s=0.3)
        old_token = issuer.issue(roles=["resident"], subject="old")
        assert (await verifier.verify(old_token)).subject == "old"
        assert jwks.fetches == 1

        issuer.rotate(kid="second")
        new_token = issuer.issue(roles=["resident"], subject="new")
        await asyncio.sleep(0.35)  # past the refetch interval of the first fetch
        assert (await verifier.verify(new_token)).subject == "new"
        assert jwks.fetches == 2


async def test_unknown_kids_do_not_cause_a_refetch_storm() -> None:
    issuer = TestIssuer(kid="known")
    with serve_jwks(issuer) as jwks:
        verifier = issuer.verifier(jwks_url=jwks.url, min_refresh_s=30)
        await verifier.verify(issuer.issue(roles=["resident"]))
        assert jwks.fetches == 1
        strangers = [TestIssuer(kid=f"forged-{n}") for n in range(50)]
        results = await asyncio.gather(
            *(verifier.verify(s.issue(roles=["city_admin"])) for s in strangers),
            return_exceptions=True,
        )
        assert all(isinstance(r, Unauthenticated) for r in results)
        # Fifty unknown kids at once, then more: no refetch within the interval of the last.
        for stranger in strangers[:10]:
            with pytest.raises(Unauthenticated, match="unknown key"):
                await verifier.verify(stranger.issue(roles=["city_admin"]))
        assert jwks.fetches == 1


async def test_a_rotation_the_verifier_cannot_fetch_keeps_the_keys_it_has() -> None:
    issuer = TestIssuer(kid="first")
    with serve_jwks(issuer) as jwks:
        verifier = issuer.verifier(jwks_url=jwks.url, min_refresh_s=0.1)
        old_token = issuer.issue(roles=["resident"])
        await verifier.verify(old_token)
        jwks.available = False
        issuer.rotate(kid="second")
        await asyncio.sleep(0.15)
        with pytest.raises(Unauthenticated, match="unknown key"):
            await verifier.verify(issuer.issue(roles=["resident"]))
        assert (await verifier.verify(old_token)).roles == frozenset({Role.RESIDENT})
        jwks.available = True
        await asyncio.sleep(0.15)
        assert (await verifier.verify(issuer.issue(roles=["resident"], subject="s"))).subject == "s"


async def test_a_verifier_that_has_no_key_yet_does_not_queue_a_fetch_per_request() -> None:
    issuer = TestIssuer(kid="first")
    with serve_jwks(issuer) as jwks:
        jwks.available = False  # the gateway is not up yet
        verifier = issuer.verifier(jwks_url=jwks.url, min_refresh_s=30)
        tokens = [issuer.issue(roles=["resident"], subject=f"s{n}") for n in range(30)]
        refused = await asyncio.gather(
            *(verifier.verify(t) for t in tokens), return_exceptions=True
        )
        assert all(isinstance(r, Unauthenticated) for r in refused)
        assert jwks.fetches == 1
        jwks.available = True
        await asyncio.sleep(1.05)  # the retry interval while no key is known
        assert (await verifier.verify(tokens[0])).subject == "s0"
        assert jwks.fetches == 2


def test_grid_claims_name_grids_by_id_or_by_code() -> None:
    grid = uuid.uuid4()
    principal = Principal(
        subject="s",
        roles=frozenset({Role.GRID_WORKER}),
        scope="330108001001",
        grid_ids=(str(grid), "330108001001-01", "330108001001-x", "nonsense"),
    )
    assert principal.grid_claims() == (frozenset({grid}), (("330108001001", 1),))
