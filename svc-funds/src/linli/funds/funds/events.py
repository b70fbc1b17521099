"""Events of funds, and the frame every event of this service shares: it travels on the fund's
division subject (a street fund's on the street's, with `_` for the community token), so a
district system subscribed to `linli.3301.330108.>` sees every fund below it.

Payloads carry ids, codes, amounts and the names staff gave; never a donor's or resident's
identity in clear.
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar, Literal

from pydantic import Field

from linli.common.events import DomainEvent
from linli.funds.models import Fund, FundKind


class FundEvent(DomainEvent):
    """An event of one fund, on the subject of the fund's division."""

    service: ClassVar[str] = "funds"

    community_code: str | None = Field(  # type: ignore[assignment]
        default=None, description="The fund's community, or null for a fund above community level"
    )
    fund_id: uuid.UUID
    fund_division_code: str = Field(description="The fund's division (4, 6, 9 or 12 digits)")

    def division_code(self) -> str:
        return self.fund_division_code


class FundCreated(FundEvent):
    """A fund was opened, with its approval rules."""

    entity: ClassVar[str] = "fund"
    verb: ClassVar[str] = "created"

    type: Literal["cn.linli.funds.fund.created.v1"] = "cn.linli.funds.fund.created.v1"
    kind: FundKind
    name: str
    quorum: int
    large_payment_fen: int | None
    large_quorum: int | None


class FundRulesChanged(FundEvent):
    """A fund's approval rules changed (requests already filed keep the rules they were filed under)."""

    entity: ClassVar[str] = "fund"
    verb: ClassVar[str] = "rules_changed"

    type: Literal["cn.linli.funds.fund.rules_changed.v1"] = "cn.linli.funds.fund.rules_changed.v1"
    quorum: int
    large_payment_fen: int | None
    large_quorum: int | None


def about(fund: Fund) -> dict[str, Any]:
    """The fields every event of `fund` carries: `FundCreated(**about(fund), ...)`."""
    return {
        "community_code": fund.division_code if len(fund.division_code) == 12 else None,
        "fund_id": fund.id,
        "fund_division_code": fund.division_code,
    }
