"""Uploads spooled to a temporary file in chunks, and read back one row at a time.

A file of 100,000 residents is ~10 MB of CSV: never held whole in memory, neither while it
arrives nor while it is read (CSV through the csv module, XLSX through openpyxl's read-only mode,
which streams the sheet's XML).
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import os
import tempfile
import zipfile
from collections.abc import AsyncIterable, Generator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import IO, Any

from openpyxl import load_workbook  # type: ignore[import-untyped]
from openpyxl.utils.exceptions import InvalidFileException  # type: ignore[import-untyped]

from linli.residents.imports.errors import ImportFileTooLarge
from linli.residents.models.imports import ImportFormat

_ZIP_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True, slots=True)
class SpooledFile:
    """An upload on disk, with what was learned while it arrived."""

    path: Path
    size: int
    sha256: str
    format: ImportFormat
    filename: str | None

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)


class UnreadableFile(Exception):
    """The file stops being CSV (or XLSX) at `row`."""

    def __init__(self, row: int, message: str) -> None:
        super().__init__(message)
        self.row = row


async def spool(
    chunks: AsyncIterable[bytes],
    *,
    directory: str | None,
    max_bytes: int,
    filename: str | None = None,
) -> SpooledFile:
    """Write `chunks` to a new temporary file; 413 (and nothing left on disk) past `max_bytes`.
    The format is sniffed from the first bytes: XLSX is a zip archive, anything else is CSV."""
    fd, name = await asyncio.to_thread(tempfile.mkstemp, prefix="linli-import-", dir=directory)
    path = Path(name)
    digest = hashlib.sha256()
    size = 0
    head = b""
    try:
        with os.fdopen(fd, "wb") as out:
            async for chunk in chunks:
                if not chunk:
                    continue
                size += len(chunk)
                if size > max_bytes:
                    raise ImportFileTooLarge(f"the file may have at most {max_bytes} bytes")
                if len(head) < len(_ZIP_MAGIC):
                    head += chunk[: len(_ZIP_MAGIC)]
                digest.update(chunk)
                await asyncio.to_thread(out.write, chunk)
    except BaseException:
        await asyncio.to_thread(path.unlink, missing_ok=True)
        raise
    return SpooledFile(
        path=path,
        size=size,
        sha256=digest.hexdigest(),
        format=ImportFormat.XLSX if head.startswith(_ZIP_MAGIC) else ImportFormat.CSV,
        filename=filename,
    )


async def file_chunks(file: IO[bytes], *, chunk_size: int = 1 << 16) -> AsyncIterable[bytes]:
    """A file object (a multipart part Starlette spooled) as chunks, read off the event loop."""
    while chunk := await asyncio.to_thread(file.read, chunk_size):
        yield chunk


Records = Generator[tuple[int, list[str]], None, None]


def records(path: Path, format: ImportFormat) -> Records:
    """(row number, cells) of every row, the header being row 1, as a spreadsheet numbers them."""
    if format is ImportFormat.XLSX:
        return _xlsx_records(path)
    return _csv_records(path)


def _csv_records(path: Path) -> Records:
    row = 0
    try:
        # utf-8-sig: a BOM (Excel's "CSV UTF-8") is dropped, a file without one reads the same.
        with path.open(encoding="utf-8-sig", newline="") as text:
            for row, cells in enumerate(csv.reader(text, strict=True), start=1):
                yield row, cells
    except UnicodeDecodeError as exc:
        raise UnreadableFile(row + 1, "the file is not UTF-8 text") from exc
    except csv.Error as exc:
        raise UnreadableFile(row + 1, f"the file is not valid CSV: {exc}") from exc


def _xlsx_records(path: Path) -> Records:
    # A file object, not the path: openpyxl refuses paths without an .xlsx suffix.
    with path.open("rb") as handle:
        try:
            workbook = load_workbook(handle, read_only=True, data_only=True)
        except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
            raise UnreadableFile(1, "the file is neither UTF-8 CSV nor an XLSX workbook") from exc
        try:
            sheet = workbook.worksheets[0]
            for row, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                yield row, [_cell_text(value) for value in values]
        finally:
            workbook.close()


def _cell_text(value: Any) -> str:
    """A cell as the text a worker sees: 501 not 501.0, dates as ISO dates."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)
