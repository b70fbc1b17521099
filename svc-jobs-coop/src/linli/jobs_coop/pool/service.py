"""Business rules of the labour pool: who enrols whom, and what each caller sees of a member.

The member decides what enterprises see: their name is masked for an enterprise, and the phone
and address are shown only when `share_phone` / `share_address` is on. Staff of the member's
community see the phone masked unless they reveal it for a stated purpose (audited); a clear
phone shown to an enterprise the member allowed is audited too.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.auth import Principal, Role
from linli.common.conflicts import insert_or_conflict
from linli.common.errors import Forbidden, InvalidInput
from linli.common.outbox import events_of
from linli.common.pagination import Page
from linli.common.pii import PiiCipher, PiiField, audit_clear_read, mask_phone
from linli.jobs_coop.access import enterprise_of, is_coordinator, require_coordinator
from linli.jobs_coop.models import (
    Certificate,
    EnrolledBy,
    Member,
    MemberStatus,
)
from linli.jobs_coop.pool.errors import AlreadyInPool, MemberNotFound, MemberWithdrawn
from linli.jobs_coop.pool.events import WorkerEnrolled, WorkerUpdated, WorkerWithdrew
from linli.jobs_coop.pool.repository import MEMBER_ORDER, MemberRepository
from linli.jobs_coop.pool.schemas import (
    AvailabilityIn,
    CertificateIn,
    CertificateRead,
    MemberCreate,
    MemberRead,
    MemberUpdate,
    SkillRead,
    SkillsIn,
    WindowRead,
)
from linli.jobs_coop.text import mask_name


class Viewer(enum.Enum):
    """How the caller stands to a member, which decides what they see."""

    SELF = "self"
    STAFF = "staff"
    ENTERPRISE = "enterprise"


async def enrol(
    session: AsyncSession, *, principal: Principal, member_in: MemberCreate, cipher: PiiCipher
) -> MemberRead:
    """A resident enrols themselves in their registered community; a coordinator enrols someone
    in a community of their scope (after the 摸排 survey)."""
    account: str | None
    if principal.has_role(Role.RESIDENT) and not is_coordinator(principal):
        if len(principal.scope) != 12:
            raise Forbidden("only a registered resident (approved by the community) may enrol")
        if member_in.community_code not in (None, principal.scope):
            raise Forbidden("a resident enrols in their own community")
        if member_in.account_subject not in (None, principal.subject):
            raise Forbidden("a resident enrols themselves")
        community, account, enrolled_by = principal.scope, principal.subject, EnrolledBy.SELF
    else:
        require_coordinator(principal)
        if member_in.community_code is None:
            raise InvalidInput("community_code is needed when staff enrol someone")
        principal.require_scope(member_in.community_code)
        community, account = member_in.community_code, member_in.account_subject
        enrolled_by = EnrolledBy.WORKER
    member = Member(
        community_code=community,
        account_subject=account,
        name=member_in.name,
        phone_encrypted=cipher.encrypt(PiiField.PHONE, member_in.phone),
        phone_index=cipher.blind_index(PiiField.PHONE, member_in.phone),
        phone_masked=mask_phone(member_in.phone),
        address=member_in.address,
        work_mode=member_in.work_mode,
        enrolled_by=enrolled_by,
        consent=True,
        share_phone=member_in.share_phone,
        share_address=member_in.share_address,
        status=MemberStatus.ACTIVE,
    )
    if await insert_or_conflict(session, member):
        raise AlreadyInPool("this phone number or login is in the labour pool already")
    repository = MemberRepository(session)
    await repository.replace_declared_skills(
        member.id, [(s.skill, s.level) for s in member_in.skills]
    )
    await repository.replace_windows(
        member.id, [(w.weekday, w.start_minute, w.end_minute) for w in member_in.availability]
    )
    await events_of(session).record(
        WorkerEnrolled(
            community_code=community,
            member_id=member.id,
            name_masked=mask_name(member.name),
            enrolled_by=enrolled_by,
            work_mode=member.work_mode,
            skills=sorted(s.skill for s in member_in.skills),
        ),
        subject_id=member.id,
    )
    return (await read_many(session, [member], viewer=Viewer.STAFF))[0]


async def visible_member(
    session: AsyncSession, principal: Principal, member_id: uuid.UUID, *, for_update: bool = False
) -> tuple[Member, Viewer]:
    """The member and how the caller sees them; 404 when the caller has no business with them."""
    member = await MemberRepository(session).get(member_id, for_update=for_update)
    if member is None:
        raise MemberNotFound()
    if member.account_subject is not None and member.account_subject == principal.subject:
        return member, Viewer.SELF
    if is_coordinator(principal) and principal.covers(member.community_code):
        return member, Viewer.STAFF
    enterprise = await enterprise_of(session, principal)
    if (
        enterprise is not None
        and enterprise.community_code == member.community_code
        and member.status is MemberStatus.ACTIVE
    ):
        return member, Viewer.ENTERPRISE
    raise MemberNotFound()


async def managed_member(
    session: AsyncSession, principal: Principal, member_id: uuid.UUID
) -> Member:
    """A member the caller may change: the member themself or a coordinator of the community."""
    member, viewer = await visible_member(session, principal, member_id, for_update=True)
    if viewer is Viewer.ENTERPRISE:
        raise Forbidden("an enterprise cannot change a pool member")
    if member.status is MemberStatus.WITHDRAWN:
        raise MemberWithdrawn()
    return member


async def get_member(
    session: AsyncSession,
    *,
    principal: Principal,
    member_id: uuid.UUID,
    cipher: PiiCipher,
    reveal: bool,
    purpose: str | None,
    request_id: str | None,
) -> MemberRead:
    member, viewer = await visible_member(session, principal, member_id)
    clear = False
    if reveal:
        if viewer is not Viewer.STAFF:
            raise Forbidden("only community staff reveal a member's phone")
        if not purpose:
            raise InvalidInput("a purpose is needed to reveal a phone")
        clear = True
    elif viewer is Viewer.SELF or (viewer is Viewer.ENTERPRISE and member.share_phone):
        clear = True
    if clear and viewer is not Viewer.SELF:
        await audit_clear_read(
            session,
            principal=principal,
            entity="member",
            entity_id=str(member.id),
            fields=[PiiField.PHONE],
            purpose=purpose or "enterprise contact (shared by the member)",
            request_id=request_id,
        )
    reads = await read_many(
        session, [member], viewer=viewer, clear_phone_with=cipher if clear else None
    )
    return reads[0]


async def get_own(session: AsyncSession, *, principal: Principal, cipher: PiiCipher) -> MemberRead:
    member = await session.scalar(select(Member).where(Member.account_subject == principal.subject))
    if member is None:
        raise MemberNotFound("you are not in the labour pool yet")
    return (await read_many(session, [member], viewer=Viewer.SELF, clear_phone_with=cipher))[0]


async def list_members(
    session: AsyncSession,
    *,
    principal: Principal,
    division: str | None,
    skill: str | None,
    cursor: str | None,
    limit: int,
) -> Page[MemberRead]:
    """Staff list their scope; an enterprise lists the active members of its community, masked
    as each member chose."""
    enterprise = await enterprise_of(session, principal)
    if enterprise is not None:
        scope, viewer = enterprise.community_code, Viewer.ENTERPRISE
    else:
        require_coordinator(principal)
        scope, viewer = principal.scope, Viewer.STAFF
    prefix = division or scope
    if not prefix.startswith(scope):
        raise Forbidden(f"division {prefix} lies outside your reach {scope}")
    repository = MemberRepository(session)
    members = await repository.find(
        division_prefix=prefix,
        skill=skill,
        active_only=viewer is Viewer.ENTERPRISE,
        after=MEMBER_ORDER.decode(cursor),
        limit=limit,
    )
    reads = {r.id: r for r in await read_many(session, members[:limit], viewer=viewer)}
    return MEMBER_ORDER.page(members, limit=limit, read=lambda m: reads[m.id])


async def update_member(
    session: AsyncSession, *, principal: Principal, member_id: uuid.UUID, member_in: MemberUpdate
) -> MemberRead:
    """Sharing is the member's own choice: staff change it only for a member without a login
    (someone they enrolled, who told them)."""
    member = await managed_member(session, principal, member_id)
    changes = member_in.model_dump(exclude_unset=True)
    if {"share_phone", "share_address"} & changes.keys() and member.account_subject not in (
        None,
        principal.subject,
    ):
        raise Forbidden("only the member chooses what enterprises may see")
    for field, value in changes.items():
        if value is None and field != "address":
            continue
        setattr(member, field, value)
    await session.flush()
    await _updated(session, member, sorted(changes))
    return (await read_many(session, [member], viewer=Viewer.STAFF))[0]


async def replace_skills(
    session: AsyncSession, *, principal: Principal, member_id: uuid.UUID, skills_in: SkillsIn
) -> MemberRead:
    member = await managed_member(session, principal, member_id)
    await MemberRepository(session).replace_declared_skills(
        member.id, [(s.skill, s.level) for s in skills_in.skills]
    )
    await _updated(session, member, ["skills"])
    return (await read_many(session, [member], viewer=Viewer.STAFF))[0]


async def replace_availability(
    session: AsyncSession, *, principal: Principal, member_id: uuid.UUID, windows_in: AvailabilityIn
) -> MemberRead:
    member = await managed_member(session, principal, member_id)
    await MemberRepository(session).replace_windows(
        member.id, [(w.weekday, w.start_minute, w.end_minute) for w in windows_in.windows]
    )
    await _updated(session, member, ["availability"])
    return (await read_many(session, [member], viewer=Viewer.STAFF))[0]


async def add_certificate(
    session: AsyncSession,
    *,
    principal: Principal,
    member_id: uuid.UUID,
    certificate_in: CertificateIn,
) -> MemberRead:
    """A certificate brought from elsewhere, recorded by staff: it certifies its skill."""
    require_coordinator(principal)
    member = await managed_member(session, principal, member_id)
    session.add(
        Certificate(
            member_id=member.id,
            skill=certificate_in.skill,
            level=certificate_in.level,
            title=certificate_in.title,
            issuer=certificate_in.issuer,
            issued_on=certificate_in.issued_on,
        )
    )
    await MemberRepository(session).certify_skill(
        member.id, certificate_in.skill, certificate_in.level
    )
    await _updated(session, member, ["certificates", "skills"])
    return (await read_many(session, [member], viewer=Viewer.STAFF))[0]


async def withdraw(
    session: AsyncSession, *, principal: Principal, member_id: uuid.UUID
) -> MemberRead:
    member = await managed_member(session, principal, member_id)
    member.status = MemberStatus.WITHDRAWN
    await session.flush()
    await events_of(session).record(
        WorkerWithdrew(community_code=member.community_code, member_id=member.id),
        subject_id=member.id,
    )
    return (await read_many(session, [member], viewer=Viewer.STAFF))[0]


async def _updated(session: AsyncSession, member: Member, fields: list[str]) -> None:
    await events_of(session).record(
        WorkerUpdated(community_code=member.community_code, member_id=member.id, fields=fields),
        subject_id=member.id,
    )


async def read_many(
    session: AsyncSession,
    members: Sequence[Member],
    *,
    viewer: Viewer,
    clear_phone_with: PiiCipher | None = None,
) -> list[MemberRead]:
    """Members as `viewer` sees them; the clear phone only with a cipher (the caller decided)."""
    repository = MemberRepository(session)
    ids = [m.id for m in members]
    skills, windows, certificates = (
        await repository.skills(ids),
        await repository.windows(ids),
        await repository.certificates(ids),
    )
    enterprise = viewer is Viewer.ENTERPRISE
    return [
        MemberRead(
            id=m.id,
            community_code=m.community_code,
            name=mask_name(m.name) if enterprise else m.name,
            phone=(
                clear_phone_with.decrypt(PiiField.PHONE, m.phone_encrypted)
                if clear_phone_with is not None
                else m.phone_masked
            ),
            phone_is_clear=clear_phone_with is not None,
            address=None if enterprise and not m.share_address else m.address,
            work_mode=m.work_mode,
            enrolled_by=m.enrolled_by,
            status=m.status,
            share_phone=m.share_phone,
            share_address=m.share_address,
            has_account=m.account_subject is not None,
            skills=[SkillRead(skill=s.skill, level=s.level, source=s.source) for s in skills[m.id]],
            availability=[
                WindowRead(weekday=w.weekday, start_minute=w.start_minute, end_minute=w.end_minute)
                for w in windows[m.id]
            ],
            certificates=[
                CertificateRead(
                    id=c.id,
                    skill=c.skill,
                    level=c.level,
                    title=c.title,
                    issuer=c.issuer,
                    issued_on=c.issued_on,
                    session_id=c.session_id,
                )
                for c in certificates[m.id]
            ],
            created_at=m.created_at,
        )
        for m in members
    ]
