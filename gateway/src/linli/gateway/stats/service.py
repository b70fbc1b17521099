"""Assembling the report: the units below a division from svc-residents and, at the same time,
one call per source for the division and its units one level below (`children=true`); the peers'
averages; a resident's facts.

The caller's own token goes to every service, so each applies its own role and scope check: the
gateway only refuses early what no service would answer (a resident, a scope the caller lacks).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from linli.common.auth import Principal, Role
from linli.common.divisions import LEVEL_LENGTH, DivisionCode, Level
from linli.gateway.auth.tokens import TokenSigner
from linli.gateway.stats.errors import DivisionNotFound
from linli.gateway.stats.schemas import (
    FactsPart,
    PeerAverage,
    PeerReport,
    ResidentFacts,
    Section,
    SourceInfo,
    StatsReport,
    Unit,
    UnitReport,
)
from linli.gateway.stats.sources import SOURCES, Source
from linli.gateway.stats.upstream import Answer, Upstreams

LEVEL_ROLE = {
    Level.COMMUNITY: Role.COMMUNITY_WORKER,
    Level.STREET: Role.STREET_ADMIN,
    Level.DISTRICT: Role.DISTRICT_ADMIN,
    Level.CITY: Role.CITY_ADMIN,
}
# Staff of a level, and auditors: who files and reads reports. Each service still decides.
READ_ROLES = (*LEVEL_ROLE.values(), Role.AUDITOR)
# Facts about one resident: the staff who serve residents.
FACTS_ROLES = tuple(LEVEL_ROLE.values())
_PAGE = 100
# The gateway's own token for peers' averages lives no longer than one report takes.
_PEER_TOKEN_TTL_S = 60


def _unit(code: str, name: str | None) -> Unit:
    return Unit(code=code, name=name, level=DivisionCode.parse(code).level)


def _section(source: Source, answer: Answer) -> Section:
    if answer.ok and isinstance(answer.body, dict):
        return Section(status="ok", figures=source.figures(answer.body))
    if answer.ok:
        return Section(status="unavailable", reason=f"{source.service} answered no object")
    return Section(status="refused" if answer.refused else "unavailable", reason=answer.reason)


async def sections_of(upstreams: Upstreams, code: str) -> dict[str, Section]:
    answers = await asyncio.gather(
        *(upstreams.get(s.service, s.path, [("division", code)]) for s in SOURCES)
    )
    return {s.section: _section(s, a) for s, a in zip(SOURCES, answers, strict=True)}


async def children_of(upstreams: Upstreams, code: str) -> list[Unit] | None:
    """The units directly below `code` (svc-residents' tree), None when it could not be asked."""
    if DivisionCode.parse(code).level is Level.COMMUNITY:
        return []
    units: list[Unit] = []
    cursor: str | None = None
    while True:
        params = [("parent", code), ("limit", str(_PAGE))]
        if cursor:
            params.append(("cursor", cursor))
        answer = await upstreams.get("residents", "/divisions", params)
        if not answer.ok or not isinstance(answer.body, dict):
            return None
        units += [_unit(str(d["code"]), str(d["name"])) for d in answer.body.get("items", [])]
        cursor = answer.body.get("next_cursor")
        if not cursor:
            return units


async def name_of(upstreams: Upstreams, code: str) -> str | None:
    """The unit's name; None when svc-residents could not say. A unit svc-residents answers it
    does not know (within the caller's scope) is a 404 of the whole report."""
    answer = await upstreams.get("residents", f"/divisions/{code}")
    if answer.ok and isinstance(answer.body, dict):
        return str(answer.body.get("name"))
    if answer.status == 404:
        raise DivisionNotFound(f"no division {code}")
    return None


def _missing(units: Sequence[UnitReport]) -> list[str]:
    return [
        s.section for s in SOURCES if any(unit.sections[s.section].status != "ok" for unit in units)
    ]


def sources_info() -> dict[str, SourceInfo]:
    return {
        s.section: SourceInfo(
            service=s.service,
            endpoint=f"GET /api/{s.service}{s.path}?division={{code}}&children=true",
            title_zh=s.title_zh,
        )
        for s in SOURCES
    }


async def _breakdown(upstreams: Upstreams, source: Source, code: str) -> Answer:
    return await upstreams.get(
        source.service, source.path, [("division", code), ("children", "true")]
    )


async def _sections_of_units(
    upstreams: Upstreams, source: Source, answer: Answer, units: Sequence[Unit]
) -> list[Section]:
    """The source's section of each unit (the division first, then the units below it) from
    its one answer with `children=true`. A failed answer marks the section of every unit. A unit
    the answer does not list has no rows there (only svc-residents knows the tree): zeros."""
    if not answer.ok or not isinstance(answer.body, dict):
        return [_section(source, answer)] * len(units)
    own = source.figures(answer.body)
    below = source.children(answer.body)
    if below is None:
        # A service that does not break down (yet) is asked unit by unit, as it always was.
        answers = await asyncio.gather(
            *(upstreams.get(source.service, source.path, [("division", u.code)]) for u in units[1:])
        )
        return [Section(status="ok", figures=own), *(_section(source, a) for a in answers)]
    zeros = dict.fromkeys(own, 0)
    return [
        Section(status="ok", figures=own),
        *(Section(status="ok", figures=below.get(u.code, zeros)) for u in units[1:]),
    ]


async def report(upstreams: Upstreams, *, principal: Principal, code: str) -> StatsReport:
    principal.require_role(*READ_ROLES)
    principal.require_scope(code)
    started = time.perf_counter()
    # One round: the division's name and units, and every source's breakdown, side by side.
    name, children, answers = await asyncio.gather(
        name_of(upstreams, code),
        children_of(upstreams, code),
        asyncio.gather(*(_breakdown(upstreams, source, code) for source in SOURCES)),
    )
    units = [_unit(code, name), *(children or [])]
    by_source = await asyncio.gather(
        *(
            _sections_of_units(upstreams, source, answer, units)
            for source, answer in zip(SOURCES, answers, strict=True)
        )
    )
    reports = [
        UnitReport(
            **unit.model_dump(),
            sections={
                s.section: sections[i] for s, sections in zip(SOURCES, by_source, strict=True)
            },
        )
        for i, unit in enumerate(units)
    ]
    missing = _missing(reports)
    if children is None and "residents" not in missing:
        missing.insert(0, "residents")
    return StatsReport(
        division=reports[0],
        children=reports[1:],
        partial=bool(missing),
        missing=missing,
        sources=sources_info(),
        generated_at=datetime.now(UTC),
        elapsed_ms=round((time.perf_counter() - started) * 1000, 1),
    )


# --- data down: peers ----------------------------------------------------------------------------


def _enclosing(code: DivisionCode) -> list[str]:
    """The street and district around a community (the district around a street, the city
    around a district): whose averages a unit is compared with."""
    above = [
        p
        for level in (Level.STREET, Level.DISTRICT)
        if LEVEL_LENGTH[level] < len(str(code)) and (p := code.prefix(level))
    ]
    if not above and code.level is Level.DISTRICT:
        above = [code.city]
    return above


async def _count_below(upstreams: Upstreams, code: str, level: Level) -> int | None:
    """How many units of `level` lie below `code`, walking svc-residents' tree down."""
    children = await children_of(upstreams, code)
    if children is None:
        return None
    if not children or children[0].level is level:
        return len(children)
    counts = await asyncio.gather(*(_count_below(upstreams, c.code, level) for c in children))
    if any(n is None for n in counts):
        return None
    return sum(n for n in counts if n is not None)


def _averaged(section: Section, units: int | None) -> Section:
    if section.status != "ok" or section.figures is None:
        return section
    if not units:
        return Section(status="unavailable", reason="the number of units could not be counted")
    return Section(
        status="ok", figures={key: value // units for key, value in section.figures.items()}
    )


async def _average_over(
    upstreams: Upstreams, signer: TokenSigner, *, over: str, level: Level
) -> PeerAverage:
    # The caller may not read the street's or district's own figures (they are outside their
    # scope): the gateway asks with a token of its own, an auditor's of that level (a role that
    # reads figures and changes nothing), and passes down nothing but means.
    token = signer.issue_access_token(
        subject="gateway:peers",
        roles=[Role.AUDITOR.value],
        scope=over,
        ttl_s=_PEER_TOKEN_TTL_S,
    )
    own = upstreams.as_caller(token)
    name, units, sections = await asyncio.gather(
        name_of(own, over), _count_below(own, over, level), sections_of(own, over)
    )
    return PeerAverage(
        over=_unit(over, name),
        units=units or 0,
        sections={key: _averaged(section, units) for key, section in sections.items()},
    )


async def peers(
    upstreams: Upstreams, signer: TokenSigner, *, principal: Principal, code: str
) -> PeerReport:
    principal.require_role(*READ_ROLES)
    principal.require_scope(code)
    division = DivisionCode.parse(code)
    name, sections, averages = await asyncio.gather(
        name_of(upstreams, code),
        sections_of(upstreams, code),
        asyncio.gather(
            *(
                _average_over(upstreams, signer, over=over, level=division.level)
                for over in _enclosing(division)
            )
        ),
    )
    own = UnitReport(**_unit(code, name).model_dump(), sections=sections)
    partial = any(s.status != "ok" for s in own.sections.values()) or any(
        s.status != "ok" for a in averages for s in a.sections.values()
    )
    return PeerReport(
        division=own, averages=list(averages), partial=partial, generated_at=datetime.now(UTC)
    )


# --- data down: a resident's facts ---------------------------------------------------------------


def _part(answer: Answer) -> FactsPart:
    if answer.ok:
        return FactsPart(status="ok", data=answer.body)
    return FactsPart(status="refused" if answer.refused else "unavailable", reason=answer.reason)


async def facts(
    upstreams: Upstreams,
    *,
    principal: Principal,
    resident_id: uuid.UUID,
    subjects: Sequence[str],
) -> ResidentFacts:
    """The resident's applications (the hall knows them by resident id), and the incidents they
    reported and their coop work (grid and coop know them by their login `subjects`)."""
    principal.require_role(*FACTS_ROLES)
    by_subject = [("subject", s) for s in subjects]
    applications, incidents, coop = await asyncio.gather(
        upstreams.get("service-hall", f"/stats/residents/{resident_id}"),
        upstreams.get("grid", "/stats/reporters", by_subject)
        if subjects
        else _nothing({"incidents": []}),
        upstreams.get("jobs-coop", "/stats/members", by_subject)
        if subjects
        else _nothing({"members": []}),
    )
    parts = {
        "applications": _part(applications),
        "incidents": _part(incidents),
        "coop": _part(coop),
    }
    return ResidentFacts(
        resident_id=resident_id,
        parts=parts,
        partial=any(p.status != "ok" for p in parts.values()),
    )


async def _nothing(body: object) -> Answer:
    return Answer(body=body)
