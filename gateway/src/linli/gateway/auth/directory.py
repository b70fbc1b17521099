"""Who a resident account is in the registry: asked of svc-residents at each login and refresh.

A resident's token carries `resident_id` and their community as `scope`, so that every service can
tell who is asking and where they live. The gateway does not keep residents: svc-residents links
an approved registration to the account that filed it (`GET /residents/me` answers with that
record). Asking at login and refresh means a move or a deletion reaches the token within one
access-token lifetime; when svc-residents does not answer, the account keeps what it had.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import httpx

from linli.common.auth import Role
from linli.common.observability import logger
from linli.gateway.auth.tokens import TokenSigner

# The problem svc-residents answers when no live record is linked to the account.
NOT_LINKED_PROBLEM = "resident-not-found"


@dataclass(frozen=True, slots=True)
class ResidentLink:
    resident_id: str
    community_code: str


class DirectoryUnavailable(Exception):
    """svc-residents gave no usable answer: keep the account's last known link."""


class ResidentDirectory:
    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        residents_url: str,
        signer: TokenSigner,
        timeout_s: float = 2.0,
    ) -> None:
        self._client = client
        self._url = residents_url.rstrip("/") + "/residents/me"
        self._signer = signer
        self._timeout_s = timeout_s

    async def link_of(self, subject: uuid.UUID) -> ResidentLink | None:
        """The account's resident record, None when it has none; DirectoryUnavailable else."""
        # The account asks for itself, with a token that holds nothing but its subject.
        token = self._signer.issue_access_token(
            subject=str(subject), roles=[Role.RESIDENT.value], scope="", ttl_s=60
        )
        try:
            response = await self._client.get(
                self._url,
                headers={"Authorization": f"Bearer {token}"},
                timeout=self._timeout_s,
            )
        except httpx.HTTPError as exc:
            logger.warning("resident directory unavailable", error=type(exc).__name__)
            raise DirectoryUnavailable from exc
        if response.status_code == 200:
            try:
                body = response.json()
                return ResidentLink(
                    resident_id=str(uuid.UUID(body["id"])),
                    community_code=str(body["community_code"]),
                )
            except (ValueError, KeyError, TypeError) as exc:
                raise DirectoryUnavailable("unreadable answer") from exc
        if response.status_code == 404 and _problem(response) == NOT_LINKED_PROBLEM:
            return None
        logger.warning("resident directory refused", status=response.status_code)
        raise DirectoryUnavailable(f"svc-residents answered {response.status_code}")


def _problem(response: httpx.Response) -> str | None:
    try:
        kind = response.json().get("type", "")
    except ValueError:
        return None
    return str(kind).rsplit("/", 1)[-1] or None
