"""Business rules of the division tree: who may import what, what makes a row valid, and
which division may be deleted."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.auth import STAFF_ROLES, Principal
from linli.common.divisions import LEVEL_LENGTH, DivisionCode, InvalidDivisionCode, Level
from linli.common.errors import Forbidden
from linli.common.inputs import contains_nul
from linli.common.outbox import events_of
from linli.common.pagination import Page
from linli.residents.access import DIVISION_IMPORT_ROLES
from linli.residents.divisions.errors import (
    DivisionFileUnreadable,
    DivisionInUse,
    DivisionNotFound,
    DivisionRowsInvalid,
    DivisionRowsOutOfScope,
)
from linli.residents.divisions.events import DivisionDeleted, DivisionsImported
from linli.residents.divisions.repository import DIVISION_ORDER, DivisionRepository
from linli.residents.divisions.schemas import (
    DivisionImportResult,
    DivisionImportRow,
    DivisionRead,
    DivisionRowError,
)

MAX_NAME_LENGTH = 100
_HEADER = ["code", "name"]


def read_csv(content: bytes) -> list[DivisionImportRow]:
    """Rows of a `code,name` CSV (UTF-8, with or without BOM); blank lines are skipped."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DivisionFileUnreadable("the file is not UTF-8 text") from exc
    records = _records(text)
    header = next(records, None)
    if header is None or [cell.strip().lower() for cell in header[1]] != _HEADER:
        raise DivisionFileUnreadable("the first line must be the header `code,name`")
    rows: list[DivisionImportRow] = []
    for line, cells in records:
        if not any(cell.strip() for cell in cells):
            continue
        rows.append(
            DivisionImportRow(
                row=line,
                code=cells[0].strip(),
                name=cells[1].strip() if len(cells) > 1 else "",
                columns=len(cells),
            )
        )
    if not rows:
        raise DivisionFileUnreadable("the file has a header but no rows")
    return rows


def _records(text: str) -> Iterator[tuple[int, list[str]]]:
    """(row number, cells), numbered by record as a spreadsheet shows them: the header is row 1."""
    try:
        yield from enumerate(csv.reader(io.StringIO(text, newline=""), strict=True), start=1)
    except csv.Error as exc:
        raise DivisionFileUnreadable(f"the file is not valid CSV: {exc}") from exc


async def import_divisions(
    session: AsyncSession, *, principal: Principal, content: bytes
) -> DivisionImportResult:
    """All-or-nothing upsert of a `code,name` CSV; every row must lie in the importer's scope and
    be valid, else nothing is stored and every bad row is reported."""
    principal.require_role(*DIVISION_IMPORT_ROLES)
    rows = read_csv(content)
    errors: dict[int, list[str]] = {}
    parsed: dict[str, DivisionImportRow] = {}
    outside: list[DivisionRowError] = []
    for row in rows:
        row_errors = errors.setdefault(row.row, [])
        if row.columns != len(_HEADER):
            row_errors.append(f"expected 2 columns (code,name), found {row.columns}")
        division: DivisionCode | None = None
        try:
            division = DivisionCode.parse(row.code)
        except InvalidDivisionCode:
            row_errors.append(
                "code must be 4, 6, 9 or 12 digits (city, district, street, community)"
            )
        if not row.name:
            row_errors.append("name is missing")
        elif len(row.name) > MAX_NAME_LENGTH:
            row_errors.append(f"name is longer than {MAX_NAME_LENGTH} characters")
        elif contains_nul(row.name):
            row_errors.append("name contains the NUL character (U+0000)")
        if division is None:
            continue
        if not principal.covers(division.code):
            outside.append(
                DivisionRowError(row=row.row, code=row.code, errors=["outside your scope"])
            )
        if division.code in parsed:
            row_errors.append(f"duplicate of row {parsed[division.code].row}")
        else:
            parsed[division.code] = row
    # Naming units outside one's scope is refused as a whole, before any detail of validity.
    if outside:
        raise DivisionRowsOutOfScope(outside, scope=principal.scope)

    repository = DivisionRepository(session)
    wanted_parents = {
        parent.code
        for code in parsed
        if (parent := DivisionCode(code).parent()) is not None and parent.code not in parsed
    }
    stored_parents = await repository.existing_codes(wanted_parents)
    for code, row in parsed.items():
        parent = DivisionCode(code).parent()
        if parent is not None and parent.code not in parsed and parent.code not in stored_parents:
            errors[row.row].append(
                f"parent {parent.code} is neither in the file nor already imported"
            )
    bad = [
        DivisionRowError(row=row.row, code=row.code, errors=errors[row.row])
        for row in rows
        if errors[row.row]
    ]
    if bad:
        raise DivisionRowsInvalid(bad)

    already = await repository.existing_codes(list(parsed))
    counts = await repository.upsert((code, row.name) for code, row in parsed.items())
    result = DivisionImportResult(
        created=counts.created,
        updated=counts.updated,
        unchanged=len(already) - counts.updated,
    )
    for scope_code in _event_scopes(principal.scope, parsed):
        await events_of(session).record(
            DivisionsImported(scope_code=scope_code, **result.model_dump()),
            subject_id=scope_code,
        )
    return result


def _event_scopes(scope: str, codes: dict[str, DivisionImportRow]) -> list[str]:
    """The division whose subject carries the import event: the importer's scope; for a scope
    that is no division (an ops team's province), the deepest unit holding each city's rows."""
    try:
        return [DivisionCode.parse(scope).code]
    except InvalidDivisionCode:
        pass
    by_city: dict[str, list[str]] = {}
    for code in codes:
        by_city.setdefault(code[: LEVEL_LENGTH[Level.CITY]], []).append(code)
    scopes = []
    for city, members in sorted(by_city.items()):
        deepest = city
        for level in (Level.DISTRICT, Level.STREET, Level.COMMUNITY):
            prefixes = {code[: LEVEL_LENGTH[level]] for code in members}
            if len(prefixes) != 1 or any(len(code) < LEVEL_LENGTH[level] for code in members):
                break
            deepest = prefixes.pop()
        scopes.append(deepest)
    return scopes


async def list_divisions(
    session: AsyncSession,
    *,
    principal: Principal,
    parent: str | None,
    cursor: str | None,
    limit: int,
) -> Page[DivisionRead]:
    """Children of `parent`, or the top of the caller's own subtree when no parent is named."""
    principal.require_role(*STAFF_ROLES)
    repository = DivisionRepository(session)
    if not principal.scope:
        return Page[DivisionRead](items=[])
    after = DIVISION_ORDER.decode(cursor)
    if parent is None:
        items = await repository.list_roots(principal.scope, after=after, limit=limit)
    else:
        # A list filtered to a unit the caller does not hold is refused, not emptied.
        principal.require_scope(parent)
        if await repository.get(parent) is None:
            raise DivisionNotFound()
        items = await repository.list_children(parent, after=after, limit=limit)
    return DIVISION_ORDER.page(items, limit=limit, read=DivisionRead.model_validate)


async def get_division(session: AsyncSession, *, principal: Principal, code: str) -> DivisionRead:
    principal.require_role(*STAFF_ROLES)
    division = await DivisionRepository(session).get(code)
    # Outside the caller's scope reads exactly like a code that does not exist.
    if division is None or not principal.covers(code):
        raise DivisionNotFound()
    return DivisionRead.model_validate(division)


async def delete_division(session: AsyncSession, *, principal: Principal, code: str) -> None:
    """Remove a division imported by mistake. Only an empty one: no units below it and nothing
    recorded in it, now or in its history (moves); a unit is deleted by an admin above it."""
    principal.require_role(*DIVISION_IMPORT_ROLES)
    repository = DivisionRepository(session)
    division = await repository.get(code, for_update=True)
    if division is None or not principal.covers(code):
        raise DivisionNotFound()
    if code == principal.scope:
        raise Forbidden("your own scope's unit is deleted by an admin above it")
    held_by = await repository.holders(code)
    if held_by:
        raise DivisionInUse(held_by)
    await repository.delete(division)
    await events_of(session).record(
        DivisionDeleted(
            code=code,
            name=division.name,
            level=division.level,
            community_code=code if division.level is Level.COMMUNITY else None,
        ),
        subject_id=code,
    )
