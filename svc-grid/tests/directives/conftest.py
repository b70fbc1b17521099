"""A district of its own for each directive test: two streets, two communities each, and its staff."""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from linli.common.auth import Role
from linli.testing import OutboxReader, short_type

Auth = Any
PlaceMaker = Any

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(scope="session")
def _cities() -> Iterator[int]:
    # Cities no other test of svc-grid uses (they live in 3301), shuffled for kept databases.
    return iter(random.sample(range(4000, 9999), 5000))


@dataclass
class District:
    """One district, its streets and communities, and the staff of each."""

    client: httpx.AsyncClient
    outbox: OutboxReader
    auth: Auth
    code: str
    streets: list[str]
    communities: list[str]
    admin: dict[str, str] = field(default_factory=dict)
    admin_subject: str = ""
    pdf: bytes = PDF

    @staticmethod
    def subject(code: str, verb: str) -> str:
        """The subject a directive event of the division `code` travels on."""
        tokens = [
            code[:4],
            code[:6] if len(code) >= 6 else "_",
            code[:9] if len(code) >= 9 else "_",
        ]
        tokens.append(code if len(code) == 12 else "_")
        return "linli." + ".".join(tokens) + f".grid.directive.{verb}"

    def street_admin(self, street: str) -> dict[str, str]:
        return self.auth(Role.STREET_ADMIN, scope=street)  # type: ignore[no-any-return]

    def worker(self, community: str) -> dict[str, str]:
        return self.auth(Role.COMMUNITY_WORKER, scope=community)  # type: ignore[no-any-return]

    async def issue(
        self,
        *,
        by: dict[str, str] | None = None,
        files: list[tuple[str, tuple[str, bytes, str]]] | None = None,
        **fields: Any,
    ) -> httpx.Response:
        body: dict[str, Any] = {
            "title": "开展消防安全隐患排查",
            "body": "请各社区于截止前完成辖区内高层住宅楼道的消防隐患排查，并上传整改照片。",
            "deadline": (datetime.now(UTC) + timedelta(days=3)).isoformat(),
            **fields,
        }
        return await self.client.post(
            "/directives",
            data={"directive": json.dumps(body, ensure_ascii=False)},
            files=files or None,
            headers=by or self.admin,
        )

    async def issued(self, **fields: Any) -> dict[str, Any]:
        response = await self.issue(**fields)
        assert response.status_code == 201, response.text
        return response.json()  # type: ignore[no-any-return]

    async def acknowledge(self, directive_id: str, community: str) -> httpx.Response:
        return await self.client.post(
            f"/directives/{directive_id}/acknowledge", headers=self.worker(community)
        )

    async def complete(
        self,
        directive_id: str,
        community: str,
        *,
        note: str = "已完成排查，整改3处",
        files: list[tuple[str, tuple[str, bytes, str]]] | None = None,
    ) -> httpx.Response:
        return await self.client.post(
            f"/directives/{directive_id}/complete",
            data={"note": note},
            files=files or None,
            headers=self.worker(community),
        )

    async def status(self, directive_id: str, *, by: dict[str, str] | None = None) -> Any:
        response = await self.client.get(
            f"/directives/{directive_id}/status", headers=by or self.admin
        )
        assert response.status_code == 200, response.text
        return response.json()

    async def events(self, directive_id: str, kind: str | None = None) -> list[dict[str, Any]]:
        """The directive's events as `{subject, type, **data}`, oldest first."""
        found = [
            {**m.payload["data"], "subject": m.subject, "type": short_type(m.type)}
            for m in await self.outbox.messages()
            if m.payload["data"].get("directive_id") == directive_id
        ]
        return [e for e in found if kind is None or e["type"] == kind]


@pytest.fixture
async def district(
    client: httpx.AsyncClient,
    outbox: OutboxReader,
    auth: Auth,
    make_place: PlaceMaker,
    _cities: Iterator[int],
) -> District:
    code = f"{next(_cities):04d}01"
    subject = str(uuid.uuid4())
    streets = [f"{code}001", f"{code}002"]
    communities = [f"{street}{n:03d}" for street in streets for n in (1, 2)]
    for community in communities:
        await make_place(community_code=community)
    return District(
        client=client,
        outbox=outbox,
        auth=auth,
        code=code,
        streets=streets,
        communities=communities,
        admin=auth(Role.DISTRICT_ADMIN, scope=code, subject=subject),
        admin_subject=subject,
    )
