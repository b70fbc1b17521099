"""Rules of activities and clubs: a community's staff put them up; its residents sign up (staff
for them at the counter); the waiting list moves up in the transaction that frees a place."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from linli.common.auth import Principal
from linli.common.errors import Forbidden
from linli.common.outbox import events_of
from linli.common.pagination import Keyset, Page, within_division
from linli.service_hall import access
from linli.service_hall.activities import events as ev
from linli.service_hall.activities.errors import (
    ActivityNotFound,
    ActivityOver,
    AlreadyCheckedIn,
    AlreadySignedUp,
    ClubNotFound,
    NotSignedUp,
    WrongCommunity,
)
from linli.service_hall.activities.repository import ActivityRepository, ClubRepository
from linli.service_hall.activities.schemas import (
    ActivityCreate,
    ActivityRead,
    CancellationRead,
    ClubCreate,
    ClubMemberRead,
    SignupIn,
    SignupRead,
)
from linli.service_hall.models import ResidentCopy
from linli.service_hall.models.activities import Activity, ActivitySignup, Club, SignupStatus

LISTING = Keyset(Activity.starts_at, Activity.id)
CLUBS = Keyset(Club.name, Club.id)


def _now() -> datetime:
    return datetime.now(UTC)


def organiser_community(principal: Principal, code: str | None) -> str:
    """The community a worker puts something up in: the one named, or their own; hall staff of
    a level covering it only."""
    principal.require_role(*access.STAFF_ROLES)
    community = code or principal.scope
    principal.require_scope(community)
    if len(community) != 12:
        raise Forbidden("name the community (`community_code`) it belongs to")
    return community


async def reader_community(session: AsyncSession, principal: Principal) -> str | None:
    """None for staff (they read their scope); a resident's community otherwise."""
    if access.is_staff(principal):
        return None
    return (await access.calling_resident(session, principal)).community_code


def list_scope(principal: Principal, division: str | None) -> str:
    code = division or principal.scope
    principal.require_scope(code)
    return code


# --- activities ----------------------------------------------------------------------------------


async def publish(
    session: AsyncSession, *, activity_in: ActivityCreate, principal: Principal
) -> Activity:
    community = organiser_community(principal, activity_in.community_code)
    activity = Activity(
        **activity_in.model_dump(exclude={"community_code"}),
        community_code=community,
        confirmed_count=0,
        waiting_count=0,
        organiser_subject=principal.subject,
    )
    session.add(activity)
    await session.flush()
    await _record(
        session,
        ev.ActivityPublished,
        activity,
        capacity=activity.capacity,
        starts_at=activity.starts_at,
    )
    return activity


async def visible(
    session: AsyncSession,
    principal: Principal,
    activity_id: uuid.UUID,
    *,
    resident: ResidentCopy | None = None,
    for_update: bool = False,
) -> Activity:
    """The activity if the caller may see it: staff of its community's scope, residents of its
    community; 404 otherwise."""
    activity = await ActivityRepository(session).get(activity_id, for_update=for_update)
    if activity is None:
        raise ActivityNotFound()
    if access.is_staff(principal):
        if not principal.covers(activity.community_code):
            raise ActivityNotFound()
        return activity
    community = (
        resident.community_code
        if resident is not None
        else (await access.calling_resident(session, principal)).community_code
    )
    if community != activity.community_code:
        raise ActivityNotFound()
    return activity


async def read(session: AsyncSession, principal: Principal, activity: Activity) -> ActivityRead:
    result = ActivityRead.model_validate(activity)
    own = access.own_resident_id(principal)
    if own is not None:
        result.your_status = (await ActivityRepository(session).status_of([activity.id], own)).get(
            activity.id
        )
    return result


async def list_activities(
    session: AsyncSession,
    *,
    principal: Principal,
    division: str | None,
    cursor: str | None,
    limit: int,
) -> Page[ActivityRead]:
    """A resident's community's activities; staff's of a division of their scope; by start."""
    after = LISTING.decode(cursor)
    community = await reader_community(session, principal)
    if community is None:
        where = within_division(Activity.community_code, list_scope(principal, division))
    else:
        if division and not community.startswith(division):
            raise Forbidden(f"division {division} does not contain your community")
        where = Activity.community_code == community
    rows = (
        await session.scalars(
            LISTING.paginate(select(Activity).where(where), after=after, limit=limit)
        )
    ).all()
    page = LISTING.page(rows, limit=limit, read=ActivityRead.model_validate)
    own = access.own_resident_id(principal)
    if own is not None and page.items:
        statuses = await ActivityRepository(session).status_of([a.id for a in page.items], own)
        for item in page.items:
            item.your_status = statuses.get(item.id)
    return page


async def _signup_read(session: AsyncSession, signup: ActivitySignup) -> SignupRead:
    result = SignupRead.model_validate(signup)
    result.queue_position = await ActivityRepository(session).queue_position(signup)
    return result


async def sign_up(
    session: AsyncSession, *, activity_id: uuid.UUID, signup_in: SignupIn, principal: Principal
) -> SignupRead:
    """A place while there is one, else a place in the queue; never over capacity, whatever
    arrives at once (the activity's row lock orders them)."""
    resident = await access.participant(session, principal, signup_in.resident_id)
    activity = await visible(session, principal, activity_id, resident=resident, for_update=True)
    if resident.community_code != activity.community_code:
        raise WrongCommunity(
            f"the activity is for residents of community {activity.community_code}"
        )
    now = _now()
    if activity.ends_at <= now:
        raise ActivityOver("the activity has ended")
    repository = ActivityRepository(session)
    existing = await repository.live_signup(activity.id, resident.resident_id)
    if existing is not None:
        raise AlreadySignedUp(
            f"already signed up ({existing.status.value})", status=existing.status.value
        )
    confirmed = activity.confirmed_count < activity.capacity
    signup = ActivitySignup(
        activity_id=activity.id,
        resident_id=resident.resident_id,
        status=SignupStatus.CONFIRMED if confirmed else SignupStatus.WAITING,
        signed_up_at=now,
        confirmed_at=now if confirmed else None,
    )
    if confirmed:
        activity.confirmed_count += 1
    else:
        activity.waiting_count += 1
    session.add(signup)
    await session.flush()
    await _record(
        session,
        ev.ActivitySignedUp,
        activity,
        resident_id=resident.resident_id,
        status=signup.status.value,
        confirmed_count=activity.confirmed_count,
        waiting_count=activity.waiting_count,
    )
    return await _signup_read(session, signup)


async def cancel(
    session: AsyncSession, *, activity_id: uuid.UUID, signup_in: SignupIn, principal: Principal
) -> CancellationRead:
    """Give up a place (or a place in the queue). A freed place goes to the first of the queue
    in this same transaction: there is never a free place while someone waits."""
    resident = await access.participant(session, principal, signup_in.resident_id)
    activity = await visible(session, principal, activity_id, resident=resident, for_update=True)
    repository = ActivityRepository(session)
    signup = await repository.live_signup(activity.id, resident.resident_id)
    if signup is None:
        raise NotSignedUp("not signed up for this activity: nothing to cancel")
    now = _now()
    was = signup.status
    signup.status = SignupStatus.CANCELLED
    signup.cancelled_at = now
    promoted: ActivitySignup | None = None
    if was is SignupStatus.CONFIRMED:
        activity.confirmed_count -= 1
        # Flushed first: the promoted row is read after this one left the queue.
        await session.flush()
        promoted = await repository.first_waiting(activity.id)
        if promoted is not None:
            promoted.status = SignupStatus.CONFIRMED
            promoted.confirmed_at = now
            activity.waiting_count -= 1
            activity.confirmed_count += 1
    else:
        activity.waiting_count -= 1
    await session.flush()
    await _record(
        session,
        ev.ActivityCancelled,
        activity,
        resident_id=resident.resident_id,
        was=was.value,
        confirmed_count=activity.confirmed_count,
        waiting_count=activity.waiting_count,
    )
    if promoted is not None:
        await _record(
            session,
            ev.ActivityPromoted,
            activity,
            resident_id=promoted.resident_id,
            confirmed_count=activity.confirmed_count,
            waiting_count=activity.waiting_count,
        )
    return CancellationRead(
        cancelled=SignupRead.model_validate(signup),
        promoted_resident_id=promoted.resident_id if promoted is not None else None,
    )


async def check_in(
    session: AsyncSession, *, activity_id: uuid.UUID, signup_in: SignupIn, principal: Principal
) -> SignupRead:
    """Only a resident holding a place checks in: not signed up, cancelled or still waiting is a
    409 `not-signed-up` that says which."""
    resident = await access.participant(session, principal, signup_in.resident_id)
    activity = await visible(session, principal, activity_id, resident=resident)
    signup = await ActivityRepository(session).live_signup(
        activity.id, resident.resident_id, for_update=True
    )
    if signup is None:
        raise NotSignedUp(
            "this resident did not sign up for the activity (or cancelled): check-in refused"
        )
    if signup.status is SignupStatus.WAITING:
        raise NotSignedUp("this resident is on the waiting list, without a place: check-in refused")
    if signup.checked_in_at is not None:
        raise AlreadyCheckedIn(f"checked in at {signup.checked_in_at.isoformat()}")
    signup.checked_in_at = _now()
    await session.flush()
    await _record(session, ev.ActivityCheckedIn, activity, resident_id=resident.resident_id)
    return await _signup_read(session, signup)


async def signups(
    session: AsyncSession, *, activity_id: uuid.UUID, principal: Principal
) -> list[SignupRead]:
    """The activity's sign-ups in order, the queue's included: its community's staff only."""
    principal.require_role(*access.FILING_STAFF)
    activity = await visible(session, principal, activity_id)
    repository = ActivityRepository(session)
    rows = await repository.signups(activity.id)
    waiting = [row.id for row in rows if row.status is SignupStatus.WAITING]
    position = {row_id: n for n, row_id in enumerate(waiting, start=1)}
    result = []
    for row in rows:
        item = SignupRead.model_validate(row)
        item.queue_position = position.get(row.id)
        result.append(item)
    return result


async def _record(
    session: AsyncSession,
    event_class: type[ev._ActivityEvent],
    activity: Activity,
    **fields: object,
) -> None:
    event = event_class(
        community_code=activity.community_code, activity_id=activity.id, at=_now(), **fields
    )
    await events_of(session).record(event, subject_id=activity.id)


# --- clubs ---------------------------------------------------------------------------------------


async def found_club(session: AsyncSession, *, club_in: ClubCreate, principal: Principal) -> Club:
    community = organiser_community(principal, club_in.community_code)
    club = Club(
        community_code=community,
        name=club_in.name,
        description=club_in.description,
        member_count=0,
    )
    session.add(club)
    await session.flush()
    await events_of(session).record(
        ev.ClubFounded(community_code=community, club_id=club.id, at=_now()), subject_id=club.id
    )
    return club


async def visible_club(
    session: AsyncSession,
    principal: Principal,
    club_id: uuid.UUID,
    *,
    resident: ResidentCopy | None = None,
) -> Club:
    club = await ClubRepository(session).get(club_id)
    if club is None:
        raise ClubNotFound()
    if access.is_staff(principal):
        if not principal.covers(club.community_code):
            raise ClubNotFound()
        return club
    community = (
        resident.community_code
        if resident is not None
        else (await access.calling_resident(session, principal)).community_code
    )
    if community != club.community_code:
        raise ClubNotFound()
    return club


async def list_clubs(
    session: AsyncSession,
    *,
    principal: Principal,
    division: str | None,
    cursor: str | None,
    limit: int,
) -> Page[Club]:
    after = CLUBS.decode(cursor)
    community = await reader_community(session, principal)
    if community is None:
        where = within_division(Club.community_code, list_scope(principal, division))
    else:
        where = Club.community_code == community
    rows = (
        await session.scalars(CLUBS.paginate(select(Club).where(where), after=after, limit=limit))
    ).all()
    return CLUBS.page(rows, limit=limit, read=lambda club: club)


async def join_club(
    session: AsyncSession, *, club_id: uuid.UUID, signup_in: SignupIn, principal: Principal
) -> ClubMemberRead:
    """Join once: a second join answers the membership with `joined` false and counts nothing."""
    resident = await access.participant(session, principal, signup_in.resident_id)
    club = await visible_club(session, principal, club_id, resident=resident)
    if resident.community_code != club.community_code:
        raise WrongCommunity(f"the club is for residents of community {club.community_code}")
    repository = ClubRepository(session)
    count = await repository.join(club.id, resident.resident_id)
    if count is not None:
        await events_of(session).record(
            ev.ClubJoined(
                community_code=club.community_code,
                club_id=club.id,
                resident_id=resident.resident_id,
                member_count=count,
                at=_now(),
            ),
            subject_id=club.id,
        )
    member = await repository.member(club.id, resident.resident_id)
    assert member is not None
    result = ClubMemberRead.model_validate(member)
    result.joined = count is not None
    return result


async def club_members(
    session: AsyncSession, *, club_id: uuid.UUID, principal: Principal
) -> Sequence[ClubMemberRead]:
    principal.require_role(*access.FILING_STAFF)
    club = await visible_club(session, principal, club_id)
    return [
        ClubMemberRead.model_validate(m) for m in await ClubRepository(session).members(club.id)
    ]
