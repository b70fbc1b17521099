"""District credentials: each reads exactly its own subtree, and the NATS server itself refuses
everything else (its own permissions violations); a revoked credential is cut off."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

import nats
import pytest
from nats.aio.client import Client, RawCredentials
from nats.js.api import ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

from linli.cli.main import main
from linli.common.events import event_subject

WEST_LAKE = "330106"  # 西湖区
GONGSHU = "330105"  # 拱墅区
SHANGCHENG = "330102"  # 上城区 (nobody's)


def subject_in(code: str, verb: str = "reported") -> str:
    return event_subject(code, "grid", "incident", verb)


SUBJECTS = [
    subject_in("330106001001"),
    subject_in("330106002003"),
    subject_in("330106"),  # a district-level event of 西湖区
    subject_in("330105001001"),
    subject_in("330105003002"),
    subject_in("330102001001"),
    subject_in("3301"),  # city level
]


async def publish_all(service_nc: Client) -> None:
    js = service_nc.jetstream()
    for index, subject in enumerate(SUBJECTS):
        await js.publish(subject, f'{{"n": {index}}}'.encode())


async def drain(sub: Any, *, expect: int) -> list[str]:
    got: list[str] = []
    for _ in range(20):
        if len(got) >= expect:
            break
        # nats-py raises asyncio's TimeoutError or its own subclass of it, depending on timing.
        with contextlib.suppress(TimeoutError):
            for msg in await sub.fetch(expect - len(got), timeout=1):
                got.append(msg.subject)
                await msg.ack()
    with pytest.raises(TimeoutError):
        await sub.fetch(1, timeout=0.3)
    return got


async def consumer_of(client: Any, scope_filter: str, **config: Any) -> Any:
    return await client.nc.jetstream().pull_subscribe(
        scope_filter,
        durable=client.name,
        stream="LINLI",
        config=ConsumerConfig(name=client.name, deliver_policy=DeliverPolicy.ALL, **config),
    )


async def test_two_districts_each_receive_exactly_their_own_subtree(
    auth_nats: Any, service_nc: Client, connect_district: Any, unique: Callable[[str], str]
) -> None:
    west, west_creds = auth_nats.store.issue_district(scope=WEST_LAKE, name=unique("west"))
    gongshu, gongshu_creds = auth_nats.store.issue_district(scope=GONGSHU, name=unique("gs"))
    west_client = await connect_district(west_creds, west.name)
    gongshu_client = await connect_district(gongshu_creds, gongshu.name)
    live: list[str] = []

    async def on_live(msg: Any) -> None:
        live.append(msg.subject)

    await west_client.nc.subscribe(west.subjects, cb=on_live)
    await west_client.nc.flush()
    await publish_all(service_nc)

    west_sub = await consumer_of(west_client, west.subjects)
    gongshu_sub = await consumer_of(gongshu_client, gongshu.subjects)
    assert sorted(await drain(west_sub, expect=3)) == sorted(SUBJECTS[:3])
    assert sorted(await drain(gongshu_sub, expect=2)) == sorted(SUBJECTS[3:5])
    for _ in range(100):
        if len(live) >= 3:
            break
        await asyncio.sleep(0.02)
    assert sorted(live) == sorted(SUBJECTS[:3])  # a plain subscription, too
    assert west_client.errors == [] and gongshu_client.errors == []


async def test_a_street_credential_sees_only_its_street(
    auth_nats: Any, service_nc: Client, connect_district: Any, unique: Callable[[str], str]
) -> None:
    street, creds = auth_nats.store.issue_district(scope="330106002", name=unique("street"))
    assert street.subjects == "linli.3301.330106.330106002.>"
    client = await connect_district(creds, street.name)
    await publish_all(service_nc)
    assert await drain(await consumer_of(client, street.subjects), expect=1) == [SUBJECTS[1]]


async def test_the_server_refuses_subscribing_outside_the_subtree(
    auth_nats: Any, connect_district: Any, unique: Callable[[str], str]
) -> None:
    west, creds = auth_nats.store.issue_district(scope=WEST_LAKE, name=unique("west"))
    client = await connect_district(creds, west.name)
    for subject in ("linli.3301.330105.>", "linli.>", ">", "_INBOX.>", "$JS.API.>"):
        await client.nc.subscribe(subject)
        await client.nc.flush()
        assert await client.violation() == (
            f"nats: permissions violation for subscription to {subject.lower()!r}".replace("'", '"')
        )


async def test_the_server_refuses_publishing_any_event(
    auth_nats: Any, connect_district: Any, unique: Callable[[str], str]
) -> None:
    west, creds = auth_nats.store.issue_district(scope=WEST_LAKE, name=unique("west"))
    client = await connect_district(creds, west.name)
    for subject in (subject_in("330106001001"), subject_in("330105001001"), "anything"):
        await client.nc.publish(subject, b"{}")
        await client.nc.flush()
        assert await client.violation() == (
            f'nats: permissions violation for publish to "{subject.lower()}"'
        )


async def test_the_server_refuses_consumers_that_are_unfiltered_wider_or_not_its_own(
    auth_nats: Any, service_nc: Client, connect_district: Any, unique: Callable[[str], str]
) -> None:
    west, creds = auth_nats.store.issue_district(scope=WEST_LAKE, name=unique("west"))
    client = await connect_district(creds, west.name)
    js = client.nc.jetstream(timeout=0.5)
    attempts = [
        ConsumerConfig(name=west.name, durable_name=west.name),  # unfiltered
        ConsumerConfig(name=west.name, durable_name=west.name, filter_subject="linli.>"),
        ConsumerConfig(
            name=west.name, durable_name=west.name, filter_subject="linli.3301.330105.>"
        ),
        ConsumerConfig(  # another name: e.g. a service's own durable
            name="grid-roster", durable_name="grid-roster", filter_subject=west.subjects
        ),
    ]
    for config in attempts:
        with pytest.raises(TimeoutError):
            await js.add_consumer("LINLI", config)
        assert (await client.violation()).startswith(
            'nats: permissions violation for publish to "$js.api.consumer.create.linli.'
        )
    # Pulling from a consumer that is not its own (a service's) is refused the same way.
    await service_nc.jetstream().add_consumer(
        "LINLI", ConsumerConfig(durable_name="grid-roster", filter_subject="linli.>")
    )
    with pytest.raises(TimeoutError):
        await client.nc.request("$JS.API.CONSUMER.MSG.NEXT.LINLI.grid-roster", b"1", timeout=0.5)
    assert await client.violation() == (
        'nats: permissions violation for publish to "$js.api.consumer.msg.next.linli.grid-roster"'
    )
    await service_nc.jetstream().delete_consumer("LINLI", "grid-roster")


async def test_a_filtered_create_cannot_carry_a_wider_filter_in_its_body(
    auth_nats: Any, connect_district: Any, unique: Callable[[str], str]
) -> None:
    """The permitted subject names the subtree; the server refuses a body that says otherwise."""
    west, creds = auth_nats.store.issue_district(scope=WEST_LAKE, name=unique("west"))
    client = await connect_district(creds, west.name)
    js = client.nc.jetstream(timeout=2)
    body = ConsumerConfig(name=west.name, durable_name=west.name, filter_subject="linli.>")
    subject = f"$JS.API.CONSUMER.CREATE.LINLI.{west.name}.{west.subjects}"
    reply = await client.nc.request(
        subject, ('{"stream_name":"LINLI","config":' + _json(body) + "}").encode(), timeout=2
    )
    assert b'"error"' in reply.data and b"filter" in reply.data.lower(), reply.data
    with pytest.raises(NotFoundError):
        await js.consumer_info("LINLI", west.name)  # nothing was created


def _json(config: ConsumerConfig) -> str:
    import json

    return json.dumps(config.as_dict())


async def test_a_revoked_credential_is_disconnected_and_cannot_reconnect(
    auth_nats: Any,
    connect_district: Any,
    unique: Callable[[str], str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    west, creds = auth_nats.store.issue_district(scope=WEST_LAKE, name=unique("west"))
    other, other_creds = auth_nats.store.issue_district(scope=WEST_LAKE, name=unique("other"))
    client = await connect_district(creds, west.name)
    untouched = await connect_district(other_creds, other.name)
    args = ["district-creds", "--auth-dir", str(auth_nats.store.dir), "revoke", "--name", west.name]
    assert await asyncio.to_thread(main, [*args, "--nats-url", auth_nats.url]) == 0
    assert f"revoked {west.name}" in capsys.readouterr().out
    for _ in range(100):
        if client.nc.is_closed:
            break
        await asyncio.sleep(0.05)
    assert client.nc.is_closed
    with pytest.raises(nats.errors.Error, match="Authorization Violation"):
        await nats.connect(
            auth_nats.url,
            user_credentials=RawCredentials(creds),
            allow_reconnect=False,
            max_reconnect_attempts=0,
            connect_timeout=2,
        )
    assert untouched.nc.is_connected  # only that credential is cut off
    listing = main(["district-creds", "--auth-dir", str(auth_nats.store.dir), "list"])
    assert listing == 0
    rows = {line.split()[0]: line.split()[-1] for line in capsys.readouterr().out.splitlines()[1:]}
    assert rows[west.name] == "revoked" and rows[other.name] == "active"


def test_issue_refuses_bad_scope_bad_or_taken_name_and_unknown_revoke(
    auth_nats: Any, tmp_path: Any, capsys: pytest.CaptureFixture[str], unique: Callable[[str], str]
) -> None:
    base = ["district-creds", "--auth-dir", str(auth_nats.store.dir)]
    name = unique("tally")
    out = tmp_path / "tally.creds"
    assert main([*base, "issue", "--scope", WEST_LAKE, "--name", name, "--out", str(out)]) == 0
    assert "subscribes to linli.3301.330106.> only" in capsys.readouterr().out
    assert "-----BEGIN NATS USER JWT-----" in out.read_text()
    assert out.stat().st_mode & 0o777 == 0o600

    cases = [
        (
            ["issue", "--scope", "33010", "--name", unique("x")],
            "division code must be 4, 6, 9 or 12",
        ),
        (["issue", "--scope", "３３０１", "--name", unique("x")], "division code must be"),
        (["issue", "--scope", WEST_LAKE, "--name", "Bad.Name>"], "lower-case letters, digits"),
        (["issue", "--scope", WEST_LAKE, "--name", name], f"named {name!r} exists already"),
        (["revoke", "--name", "nobody-here"], "no district credential named 'nobody-here'"),
    ]
    for argv, message in cases:
        assert main([*base, *argv]) == 2
        assert message in capsys.readouterr().err
    names = [row.name for row in auth_nats.store.districts()]
    assert names.count(name) == 1 and "nobody-here" not in names


def test_commands_refuse_a_missing_store(tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    base = ["district-creds", "--auth-dir", str(tmp_path / "none")]
    assert main([*base, "issue", "--scope", WEST_LAKE, "--name", "tally"]) == 2
    assert "run `linli district-creds init`" in capsys.readouterr().err


async def test_a_consumer_cannot_deliver_back_into_the_event_stream(
    auth_nats: Any, connect_district: Any, unique: Callable[[str], str]
) -> None:
    """A push consumer delivering onto an event subject would publish events in another
    district's name; JetStream refuses the cycle (see deploy/nats/README.md, limits)."""
    west, creds = auth_nats.store.issue_district(scope=WEST_LAKE, name=unique("west"))
    client = await connect_district(creds, west.name)
    config = ConsumerConfig(
        name=west.name,
        durable_name=west.name,
        filter_subject=west.subjects,
        deliver_subject=subject_in("330105001001"),
    )
    subject = f"$JS.API.CONSUMER.CREATE.LINLI.{west.name}.{west.subjects}"
    body = '{"stream_name":"LINLI","config":' + _json(config) + "}"
    reply = await client.nc.request(subject, body.encode(), timeout=2)
    assert b"consumer deliver subject forms a cycle" in reply.data
