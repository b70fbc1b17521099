"""Through the outbox relay and real NATS: a directive flows down to each community's subject,
acknowledgements flow up, and a community's subscriber sees only its own copy."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import nats

from linli.testing import short_type

District = Any


async def _collect(subscription: Any, directive_id: str, count: int) -> list[tuple[str, str]]:
    seen: list[tuple[str, str]] = []
    async with asyncio.timeout(15):
        while len(seen) < count:
            message = await subscription.next_msg(timeout=15)
            event = json.loads(message.data)
            if event["data"].get("directive_id") == directive_id:
                seen.append((short_type(event["type"]), message.subject))
    return seen


async def test_down_to_each_community_and_up_from_it(district: District, nats_url: str) -> None:
    a1, _, _, b2 = district.communities
    connection = await nats.connect(nats_url)
    try:
        whole = await connection.subscribe(f"linli.{district.code[:4]}.{district.code}.>")
        own = await connection.subscribe(f"linli.{b2[:4]}.{b2[:6]}.{b2[:9]}.{b2}.>")
        directive_id = (await district.issued())["id"]
        assert (await district.acknowledge(directive_id, a1)).status_code == 200
        seen = await _collect(whole, directive_id, 6)
        mine = await _collect(own, directive_id, 1)
        await asyncio.sleep(0.3)  # anything else for B2 would have arrived by now
        extra = []
        while True:
            try:
                message = await own.next_msg(timeout=0.1)
            except nats.errors.TimeoutError:
                break
            if json.loads(message.data)["data"].get("directive_id") == directive_id:
                extra.append(message.subject)
    finally:
        await connection.close()
    assert sorted(seen) == sorted(
        [("directive.issued", district.subject(district.code, "issued"))]
        + [("directive.issued", district.subject(c, "issued")) for c in district.communities]
        + [("directive.acknowledged", district.subject(a1, "acknowledged"))]
    )
    assert mine == [("directive.issued", district.subject(b2, "issued"))]
    assert extra == []
