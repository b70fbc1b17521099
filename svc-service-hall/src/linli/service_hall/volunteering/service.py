"""Rules of volunteering: a community's staff register organisations and put up activities (an
organisation's leaders too); volunteers sign up, check in and out, and their check-out records
their service hours, or the organiser records them; totals are sums of the records."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.auth import Principal
from linli.common.errors import FieldError, Forbidden
from linli.common.outbox import events_of
from linli.common.pagination import Keyset, Page, within_division
from linli.service_hall import access
from linli.service_hall.activities.service import list_scope, organiser_community
from linli.service_hall.models import ResidentCopy
from linli.service_hall.models.volunteering import (
    HoursSource,
    MemberRole,
    Organisation,
    ServiceHours,
    VolunteerActivity,
    VolunteerSignup,
)
from linli.service_hall.residents.repository import ResidentCopies
from linli.service_hall.volunteering import events as ev
from linli.service_hall.volunteering.errors import (
    ActivityFull,
    AlreadySignedUp,
    BadDuration,
    NotSignedUp,
    OrganisationNotFound,
    VolunteerActivityNotFound,
    WrongCommunity,
    WrongStep,
)
from linli.service_hall.volunteering.repository import VolunteeringRepository
from linli.service_hall.volunteering.schemas import (
    CheckOutRead,
    HoursIn,
    HoursRead,
    MemberIn,
    MemberRead,
    OrganisationCreate,
    Ranking,
    RankingEntry,
    SignupRead,
    VolunteerActivityCreate,
    VolunteerHours,
    VolunteerIn,
)

ACTIVITIES = Keyset(VolunteerActivity.starts_at, VolunteerActivity.id)
ORGANISATIONS = Keyset(Organisation.name, Organisation.id)
# A paper sheet's time may lie this far back; nothing may lie in the future.
BACKDATE_LIMIT = timedelta(days=30)
MAX_MINUTES = 24 * 60


def _now() -> datetime:
    return datetime.now(UTC)


async def _record(session: AsyncSession, event: ev._VolunteerEvent, subject: uuid.UUID) -> None:
    await events_of(session).record(event, subject_id=subject)


async def _reader_community(session: AsyncSession, principal: Principal) -> str | None:
    if access.is_staff(principal):
        return None
    resident = await access.participant(session, principal, None)
    return resident.community_code


# --- organisations -------------------------------------------------------------------------------


async def found(
    session: AsyncSession, *, organisation_in: OrganisationCreate, principal: Principal
) -> Organisation:
    community = organiser_community(principal, organisation_in.community_code)
    organisation = Organisation(
        community_code=community,
        kind=organisation_in.kind,
        name=organisation_in.name,
        description=organisation_in.description,
    )
    session.add(organisation)
    await session.flush()
    await _record(
        session,
        ev.OrganisationFounded(
            community_code=community,
            organisation_id=organisation.id,
            kind=organisation.kind.value,
            at=_now(),
        ),
        organisation.id,
    )
    return organisation


async def visible_organisation(
    session: AsyncSession,
    principal: Principal,
    organisation_id: uuid.UUID,
    *,
    resident: ResidentCopy | None = None,
) -> Organisation:
    organisation = await VolunteeringRepository(session).organisation(organisation_id)
    if organisation is None:
        raise OrganisationNotFound()
    if access.is_staff(principal):
        if not principal.covers(organisation.community_code):
            raise OrganisationNotFound()
        return organisation
    resident = resident or await access.participant(session, principal, None)
    if resident.community_code != organisation.community_code:
        raise OrganisationNotFound()
    return organisation


async def list_organisations(
    session: AsyncSession,
    *,
    principal: Principal,
    division: str | None,
    cursor: str | None,
    limit: int,
) -> Page[Organisation]:
    after = ORGANISATIONS.decode(cursor)
    community = await _reader_community(session, principal)
    where = (
        within_division(Organisation.community_code, list_scope(principal, division))
        if community is None
        else Organisation.community_code == community
    )
    statement = ORGANISATIONS.paginate(select(Organisation).where(where), after=after, limit=limit)
    rows = (await session.scalars(statement)).all()
    return ORGANISATIONS.page(rows, limit=limit, read=lambda row: row)


async def join(
    session: AsyncSession, *, organisation_id: uuid.UUID, member_in: MemberIn, principal: Principal
) -> MemberRead:
    """A resident joins as a member; staff add a resident, as a leader if they say so. Joining
    again changes nothing."""
    resident = await access.participant(session, principal, member_in.resident_id)
    if member_in.role is MemberRole.LEADER and not access.is_staff(principal):
        raise Forbidden("leaders are named by the community's staff")
    organisation = await visible_organisation(
        session, principal, organisation_id, resident=resident
    )
    if resident.community_code != organisation.community_code:
        raise WrongCommunity(f"the organisation is of community {organisation.community_code}")
    repository = VolunteeringRepository(session)
    if await repository.add_member(organisation.id, resident.resident_id, member_in.role):
        await _record(
            session,
            ev.OrganisationJoined(
                community_code=organisation.community_code,
                organisation_id=organisation.id,
                resident_id=resident.resident_id,
                role=member_in.role.value,
                at=_now(),
            ),
            organisation.id,
        )
    member = await repository.member(organisation.id, resident.resident_id)
    assert member is not None
    return MemberRead.model_validate(member)


# --- activities ----------------------------------------------------------------------------------


async def _leads(session: AsyncSession, principal: Principal, organisation_id: uuid.UUID) -> bool:
    own = access.own_resident_id(principal)
    if own is None:
        return False
    member = await VolunteeringRepository(session).member(organisation_id, own)
    return member is not None and member.role is MemberRole.LEADER


async def _organises(
    session: AsyncSession, principal: Principal, activity: VolunteerActivity
) -> bool:
    """The community's staff, or a leader of the organising team."""
    if principal.has_role(*access.STAFF_ROLES) and principal.covers(activity.community_code):
        return True
    return activity.organisation_id is not None and await _leads(
        session, principal, activity.organisation_id
    )


async def publish(
    session: AsyncSession, *, activity_in: VolunteerActivityCreate, principal: Principal
) -> VolunteerActivity:
    if activity_in.organisation_id is not None and not access.is_staff(principal):
        # A team's leader puts up its activities in the team's community.
        organisation = await visible_organisation(session, principal, activity_in.organisation_id)
        if not await _leads(session, principal, organisation.id):
            raise Forbidden("only the community's staff or the team's leaders put up activities")
        community = organisation.community_code
    else:
        community = organiser_community(principal, activity_in.community_code)
        if activity_in.organisation_id is not None:
            organisation = await visible_organisation(
                session, principal, activity_in.organisation_id
            )
            if organisation.community_code != community:
                raise WrongCommunity("the team is of another community")
    activity = VolunteerActivity(
        **activity_in.model_dump(exclude={"community_code"}),
        community_code=community,
        signed_up_count=0,
    )
    session.add(activity)
    await session.flush()
    await _record(
        session,
        ev.VolunteerActivityPublished(
            community_code=community,
            activity_id=activity.id,
            organisation_id=activity.organisation_id,
            capacity=activity.capacity,
            starts_at=activity.starts_at,
            at=_now(),
        ),
        activity.id,
    )
    return activity


async def visible_activity(
    session: AsyncSession,
    principal: Principal,
    activity_id: uuid.UUID,
    *,
    resident: ResidentCopy | None = None,
) -> VolunteerActivity:
    activity = await VolunteeringRepository(session).activity(activity_id)
    if activity is None:
        raise VolunteerActivityNotFound()
    if access.is_staff(principal):
        if not principal.covers(activity.community_code):
            raise VolunteerActivityNotFound()
        return activity
    resident = resident or await access.participant(session, principal, None)
    if resident.community_code != activity.community_code:
        raise VolunteerActivityNotFound()
    return activity


async def list_activities(
    session: AsyncSession,
    *,
    principal: Principal,
    division: str | None,
    cursor: str | None,
    limit: int,
) -> Page[VolunteerActivity]:
    after = ACTIVITIES.decode(cursor)
    community = await _reader_community(session, principal)
    where = (
        within_division(VolunteerActivity.community_code, list_scope(principal, division))
        if community is None
        else VolunteerActivity.community_code == community
    )
    statement = ACTIVITIES.paginate(
        select(VolunteerActivity).where(where), after=after, limit=limit
    )
    rows = (await session.scalars(statement)).all()
    return ACTIVITIES.page(rows, limit=limit, read=lambda row: row)


async def _volunteer(
    session: AsyncSession, principal: Principal, activity_id: uuid.UUID, who: VolunteerIn
) -> tuple[ResidentCopy, VolunteerActivity, bool]:
    """The volunteer acted for, the activity, and whether the caller organises it. An organiser
    names any resident of the community; a volunteer acts for themselves."""
    activity = await VolunteeringRepository(session).activity(activity_id)
    if activity is None:
        raise VolunteerActivityNotFound()
    organiser = await _organises(session, principal, activity)
    if organiser and who.resident_id is not None:
        resident = await ResidentCopies(session).get(who.resident_id)
        if resident is None or resident.community_code != activity.community_code:
            raise access.ResidentNotFound("no such resident of the activity's community")
    else:
        if who.at is not None:
            raise Forbidden("only the organiser records a time other than now")
        resident = await access.participant(session, principal, who.resident_id)
        activity = await visible_activity(session, principal, activity.id, resident=resident)
        if resident.community_code != activity.community_code:
            raise WrongCommunity(f"the activity is of community {activity.community_code}")
    return resident, activity, organiser


def _moment(who: VolunteerIn, now: datetime) -> datetime:
    if who.at is None:
        return now
    if who.at > now or who.at < now - BACKDATE_LIMIT:
        raise BadDuration(
            "a recorded time lies in the last 30 days, not in the future",
            errors=[FieldError("body.at", "out_of_range", "out of range", "时间超出范围")],
        )
    return who.at


async def sign_up(
    session: AsyncSession, *, activity_id: uuid.UUID, who: VolunteerIn, principal: Principal
) -> SignupRead:
    """A place while one is left (409 `volunteer-activity-full` then), once per volunteer."""
    resident, activity, _ = await _volunteer(session, principal, activity_id, who)
    if who.at is not None:
        raise Forbidden("a sign-up is now")
    repository = VolunteeringRepository(session)
    if await repository.signup(activity.id, resident.resident_id) is not None:
        raise AlreadySignedUp()
    if activity.ends_at <= _now():
        raise WrongStep("the activity is over")
    count = await repository.take_place(activity.id)
    if count is None:
        raise ActivityFull(f"all {activity.capacity} places are taken")
    if not await repository.add_signup(activity.id, resident.resident_id):
        # Two sign-ups of one volunteer at once: the second rolls back with its place.
        raise AlreadySignedUp()
    await _record(
        session,
        ev.VolunteerSignedUp(
            community_code=activity.community_code,
            activity_id=activity.id,
            resident_id=resident.resident_id,
            signed_up_count=count,
            at=_now(),
        ),
        activity.id,
    )
    signup = await repository.signup(activity.id, resident.resident_id)
    assert signup is not None
    return SignupRead.model_validate(signup)


async def check_in(
    session: AsyncSession, *, activity_id: uuid.UUID, who: VolunteerIn, principal: Principal
) -> SignupRead:
    resident, activity, _ = await _volunteer(session, principal, activity_id, who)
    signup = await _signup(session, activity, resident, for_update=True)
    if signup.checked_in_at is not None:
        raise WrongStep(f"checked in already at {signup.checked_in_at.isoformat()}")
    signup.checked_in_at = _moment(who, _now())
    await session.flush()
    await _record(
        session,
        ev.VolunteerCheckedIn(
            community_code=activity.community_code,
            activity_id=activity.id,
            resident_id=resident.resident_id,
            checked_in_at=signup.checked_in_at,
            at=_now(),
        ),
        activity.id,
    )
    return SignupRead.model_validate(signup)


async def _signup(
    session: AsyncSession,
    activity: VolunteerActivity,
    resident: ResidentCopy,
    *,
    for_update: bool = False,
) -> VolunteerSignup:
    signup = await VolunteeringRepository(session).signup(
        activity.id, resident.resident_id, for_update=for_update
    )
    if signup is None:
        raise NotSignedUp("this volunteer did not sign up for the activity")
    return signup


async def check_out(
    session: AsyncSession, *, activity_id: uuid.UUID, who: VolunteerIn, principal: Principal
) -> CheckOutRead:
    """The check-out records the service time since the check-in, in whole minutes (at least
    one, at most a day: anything else the organiser records)."""
    resident, activity, _ = await _volunteer(session, principal, activity_id, who)
    signup = await _signup(session, activity, resident, for_update=True)
    if signup.checked_in_at is None:
        raise WrongStep("check in first")
    if signup.checked_out_at is not None:
        raise WrongStep(f"checked out already at {signup.checked_out_at.isoformat()}")
    out = _moment(who, _now())
    minutes = int((out - signup.checked_in_at).total_seconds() // 60)
    if not 1 <= minutes <= MAX_MINUTES:
        raise BadDuration(
            f"{minutes} minutes since the check-in: a check-out records 1 minute to 24 hours"
        )
    repository = VolunteeringRepository(session)
    if await repository.hours_for(activity.id, resident.resident_id):
        raise WrongStep("the organiser recorded this volunteer's hours already")
    signup.checked_out_at = out
    hours = await _add_hours(
        session,
        activity,
        resident_id=resident.resident_id,
        minutes=minutes,
        source=HoursSource.CHECK_OUT,
        principal=principal,
        note=None,
    )
    return CheckOutRead(signup=SignupRead.model_validate(signup), hours=hours)


async def record_hours(
    session: AsyncSession, *, activity_id: uuid.UUID, hours_in: HoursIn, principal: Principal
) -> HoursRead:
    """The organiser records a volunteer's hours (a signed-up volunteer, once per activity)."""
    activity = await VolunteeringRepository(session).activity(activity_id)
    if activity is None:
        raise VolunteerActivityNotFound()
    if not await _organises(session, principal, activity):
        if access.is_staff(principal) and not principal.covers(activity.community_code):
            raise VolunteerActivityNotFound()
        raise Forbidden("only the activity's organiser records hours")
    resident = await ResidentCopies(session).get(hours_in.resident_id)
    if resident is None or resident.community_code != activity.community_code:
        raise access.ResidentNotFound("no such resident of the activity's community")
    signup = await _signup(session, activity, resident, for_update=True)
    if await VolunteeringRepository(session).hours_for(activity.id, signup.resident_id):
        raise WrongStep("this volunteer's hours for the activity are recorded already")
    return await _add_hours(
        session,
        activity,
        resident_id=resident.resident_id,
        minutes=hours_in.minutes,
        source=HoursSource.ORGANISER,
        principal=principal,
        note=hours_in.note,
    )


async def _add_hours(
    session: AsyncSession,
    activity: VolunteerActivity,
    *,
    resident_id: uuid.UUID,
    minutes: int,
    source: HoursSource,
    principal: Principal,
    note: str | None,
) -> HoursRead:
    hours = ServiceHours(
        resident_id=resident_id,
        activity_id=activity.id,
        community_code=activity.community_code,
        minutes=minutes,
        source=source,
        recorded_by_role=access.actor(principal).role,
        note=note,
    )
    session.add(hours)
    await session.flush()
    total, _ = await VolunteeringRepository(session).total(resident_id)
    await _record(
        session,
        ev.VolunteerHoursRecorded(
            community_code=activity.community_code,
            activity_id=activity.id,
            resident_id=resident_id,
            minutes=minutes,
            source=source.value,
            total_minutes=total,
            at=_now(),
        ),
        activity.id,
    )
    return HoursRead.model_validate(hours)


# --- totals and ranking --------------------------------------------------------------------------


async def volunteer_hours(
    session: AsyncSession, *, resident_id: uuid.UUID | None, principal: Principal
) -> VolunteerHours:
    """A volunteer's total and history: their own, or (staff) a resident of their scope's."""
    resident = await access.participant(session, principal, resident_id)
    repository = VolunteeringRepository(session)
    total, records = await repository.total(resident.resident_id)
    history = await repository.history(resident.resident_id)
    return VolunteerHours(
        resident_id=resident.resident_id,
        total_minutes=total,
        records=records,
        history=[HoursRead.model_validate(h) for h in history],
    )


async def ranking(
    session: AsyncSession, *, community_code: str | None, principal: Principal, limit: int
) -> Ranking:
    """The community's volunteers by their service hours there, most first, names masked."""
    if access.is_staff(principal):
        community = community_code or principal.scope
        principal.require_scope(community)
    else:
        community = (await access.participant(session, principal, None)).community_code
        if community_code and community_code != community:
            raise Forbidden("residents see their own community's ranking")
    if len(community) != 12:
        raise Forbidden("name the community (`community_code`) to rank")
    rows = await VolunteeringRepository(session).ranking(community, limit=limit)
    return Ranking(
        community_code=community,
        entries=[
            RankingEntry(
                rank=n, resident_id=r, name_masked=name, total_minutes=total, records=count
            )
            for n, (r, name, total, count) in enumerate(rows, start=1)
        ],
    )
