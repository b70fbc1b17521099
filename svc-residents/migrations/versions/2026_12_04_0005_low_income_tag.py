"""The `low_income` tag (低保): the hall's canteen subsidises it, and a worker records it.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BEFORE = (
    "'living_alone', 'left_behind', 'disabled', 'mobility_impaired', 'new_resident', 'tenant', "
    "'owner', 'party_member', 'volunteer'"
)
_AFTER = _BEFORE + ", 'low_income'"


def _check(tags: str) -> None:
    op.drop_constraint(op.f("ck_residents_stored_tags"), "residents", type_="check")
    op.create_check_constraint(
        op.f("ck_residents_stored_tags"), "residents", f"tags <@ ARRAY[{tags}]::varchar[]"
    )


def upgrade() -> None:
    _check(_AFTER)


def downgrade() -> None:
    op.execute(
        "UPDATE residents SET tags = array_remove(tags, 'low_income') "
        "WHERE 'low_income' = ANY(tags)"
    )
    _check(_BEFORE)
