"""Empty a service's tables between tests: every table its metadata and the kernel's list."""

from __future__ import annotations

from sqlalchemy import MetaData, text
from sqlalchemy.ext.asyncio import AsyncEngine

from linli.common.migrations import kernel_tables

__all__ = ["truncate_tables"]


def _table_names(metadata: tuple[MetaData, ...], *, kernel: bool) -> list[str]:
    names = [table.name for meta in metadata for table in meta.sorted_tables]
    if kernel:
        names += [table.name for table in kernel_tables()]
    return sorted(set(names))


async def truncate_tables(engine: AsyncEngine, *metadata: MetaData, kernel: bool = True) -> None:
    """TRUNCATE every table of `metadata` and the kernel's (outbox, processed events, …) at once;
    `kernel=False` for a database without them (the gateway's).

    A table added to the models is emptied too, without anyone remembering to list it.
    """
    names = _table_names(metadata, kernel=kernel)
    quoted = ", ".join(f'"{name}"' for name in names)
    async with engine.begin() as connection:
        await connection.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
