"""Uploads spooled to a temporary file in chunks, and read back one row at a time.

A file of 100,000 residents is ~10 MB of CSV: never held whole in memory, neither while it
arrives nor while it is read (CSV through the csv module, XLSX through openpyxl's read-only mode,
which streams the sheet's XML).

A small file may still stand for a great deal of work: an XLSX is a zip archive, and 1.3 MB of
it can inflate to a million rows, or to one cell of 300 MB that openpyxl holds in memory (it
loads the shared strings whole). `ReadLimits` bounds it: the archive's declared sizes and
compression ratio are checked at upload, before anything is inflated (zipfile never inflates a
member past its declared size: a member that lies fails its CRC), and rows and cells are counted
as they stream, so a job stops at the first row or cell over the limit.
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
from xml.etree import ElementTree

from openpyxl import load_workbook  # type: ignore[import-untyped]
from openpyxl.utils.exceptions import InvalidFileException  # type: ignore[import-untyped]

from linli.residents.imports.errors import ImportArchiveSuspicious, ImportFileTooLarge
from linli.residents.models.imports import ImportFormat

_ZIP_MAGIC = b"PK\x03\x04"
_TAG_SLACK_BYTES = 64
_MAX_INDEX_PART_BYTES = 1 << 20  # xl/workbook.xml and its relationships, parsed whole
_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
# Below this a member's compression ratio says nothing (a tiny XML part compresses as it likes).
_RATIO_FLOOR_BYTES = 1 << 20


@dataclass(frozen=True, slots=True)
class ReadLimits:
    """How much work one import file may stand for (settings `import_max_*`)."""

    max_rows: int = 300_000
    max_cell_chars: int = 1_000
    max_inflated_bytes: int = 256 * 1024 * 1024
    max_compression_ratio: float = 100.0
    max_archive_members: int = 1_000


@dataclass(frozen=True, slots=True)
class SpooledFile:
    """An upload on disk, with what was learned while it arrived."""

    path: Path
    size: int
    sha256: str
    format: ImportFormat
    filename: str | None
    limits: ReadLimits = ReadLimits()

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)


class UnreadableFile(Exception):
    """The file stops being CSV (or XLSX) at `row`; `en` and `zh` say why."""

    code = "unreadable"

    def __init__(self, row: int, en: str, zh: str) -> None:
        super().__init__(en)
        self.row = row
        self.en = en
        self.zh = zh


class TooManyRows(UnreadableFile):
    """The file has more rows than one import may hold."""

    code = "too_many_rows"

    def __init__(self, row: int, limit: int) -> None:
        super().__init__(
            row,
            f"an import holds at most {limit} rows; split the file",
            f"一次导入最多 {limit} 行，请拆分文件",
        )


class CellTooLong(UnreadableFile):
    """A cell far longer than any column of the registry takes."""

    code = "cell_too_long"

    def __init__(self, row: int, column: int, limit: int) -> None:
        super().__init__(
            row,
            f"the cell in column {column} has more than {limit} characters",
            f"第 {column} 列的单元格超过 {limit} 个字符",
        )


async def spool(
    chunks: AsyncIterable[bytes],
    *,
    directory: str | None,
    max_bytes: int,
    filename: str | None = None,
    limits: ReadLimits | None = None,
) -> SpooledFile:
    """Write `chunks` to a new temporary file; 413 (and nothing left on disk) past `max_bytes`,
    or for an XLSX whose archive would inflate past the limits. The format is sniffed from the
    first bytes: XLSX is a zip archive, anything else is CSV."""
    limits = limits or ReadLimits()
    fd, name = await asyncio.to_thread(tempfile.mkstemp, prefix="linli-import-", dir=directory)
    path = Path(name)
    digest = hashlib.sha256()
    size = lines = 0
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
                lines += chunk.count(b"\n")
                await asyncio.to_thread(out.write, chunk)
        format = ImportFormat.XLSX if head.startswith(_ZIP_MAGIC) else ImportFormat.CSV
        if format is ImportFormat.XLSX:
            await asyncio.to_thread(check_archive, path, limits)
        elif lines > limits.max_rows + 1:
            # Lines, not rows: a quoted cell may hold a line break, but no column of the registry
            # takes one, so a file this long has more rows than allowed in all but name.
            raise ImportFileTooLarge(
                f"the file has {lines} lines; an import holds at most {limits.max_rows} rows",
                rows=lines,
            )
    except BaseException:
        await asyncio.to_thread(path.unlink, missing_ok=True)
        raise
    return SpooledFile(
        path=path,
        size=size,
        sha256=digest.hexdigest(),
        format=format,
        filename=filename,
        limits=limits,
    )


def check_archive(path: Path, limits: ReadLimits) -> None:
    """Refuse a workbook whose zip directory declares more than the limits allow; reads only the
    central directory. A file that is no zip at all is left to the job to report."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return
    if len(members) > limits.max_archive_members:
        raise ImportArchiveSuspicious(
            f"the workbook has {len(members)} parts; at most {limits.max_archive_members}"
        )
    inflated = sum(member.file_size for member in members)
    if inflated > limits.max_inflated_bytes:
        raise ImportFileTooLarge(
            f"the workbook inflates to {inflated} bytes; at most {limits.max_inflated_bytes}",
            inflated_bytes=inflated,
        )
    for member in members:
        if member.file_size < _RATIO_FLOOR_BYTES:
            continue
        ratio = member.file_size / max(member.compress_size, 1)
        if ratio > limits.max_compression_ratio:
            raise ImportArchiveSuspicious(
                f"the workbook part {member.filename[:100]} inflates {ratio:.0f} times; "
                f"a spreadsheet inflates at most {limits.max_compression_ratio:.0f} times"
            )
    # A character is at most 4 bytes of UTF-8; the slack is a tag's own attributes.
    longest_allowed = limits.max_cell_chars * 4 + _TAG_SLACK_BYTES
    rows, longest = _scan_parts(path, longest_allowed)
    if rows > limits.max_rows + 1:
        raise ImportFileTooLarge(
            f"the first sheet has {rows} rows; an import holds at most {limits.max_rows}",
            rows=rows,
        )
    if longest > longest_allowed:
        raise ImportFileTooLarge(
            f"the workbook holds a text of {longest} bytes; a cell holds at most "
            f"{limits.max_cell_chars} characters"
        )


def _scan_parts(path: Path, longest_allowed: int) -> tuple[int, int]:
    """(rows of the first sheet, longest text in it or in the shared strings, in bytes), read
    as the XML inflates without parsing it: rows are `<row>` tags, and since text cannot hold a
    raw `<`, no text is longer than the longest run between two of them. (0, 0) when the
    workbook is too broken to tell: the job then reports it unreadable."""
    try:
        with zipfile.ZipFile(path) as archive:
            sheet = _first_sheet(archive)
            if sheet is None:
                return 0, 0
            rows, longest = _scan(archive, sheet, longest_allowed=longest_allowed)
            if "xl/sharedStrings.xml" in archive.namelist():
                strings = _scan(archive, "xl/sharedStrings.xml", longest_allowed=longest_allowed)
                longest = max(longest, strings[1])
            return rows, longest
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, ElementTree.ParseError):
        return 0, 0


def _rows_in(data: bytes) -> int:
    return data.count(b"<row ") + data.count(b"<row>")


def _scan(archive: zipfile.ZipFile, part: str, *, longest_allowed: int) -> tuple[int, int]:
    rows = longest = 0
    # From the last `<` on, carried into the next chunk: a run or a tag cut in two is read whole
    # there (and its rows counted there, not here).
    tail = b""
    with archive.open(part) as stream:
        while chunk := stream.read(1 << 20):
            data = tail + chunk
            cut = data.rfind(b"<")
            runs = data[:cut].split(b"<") if cut > 0 else []
            longest = max(longest, max(map(len, runs), default=0))
            tail = data[cut:] if cut >= 0 else data
            rows += _rows_in(data) - _rows_in(tail)
            longest = max(longest, len(tail) - 1)
            if longest > longest_allowed:
                break  # the answer is known; the rest of the run is not read into memory
    return rows + _rows_in(tail), longest


def _first_sheet(archive: zipfile.ZipFile) -> str | None:
    """The archive path of the sheet openpyxl reads as `worksheets[0]`: the first `<sheet>` of
    xl/workbook.xml, through its relationship (both parts are small: checked above)."""
    for part in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels"):
        if archive.getinfo(part).file_size > _MAX_INDEX_PART_BYTES:
            raise ImportArchiveSuspicious(
                f"the workbook part {part} inflates to {archive.getinfo(part).file_size} bytes; "
                "a workbook's is a few kilobytes"
            )
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    first = next(workbook.iter(f"{{{_MAIN_NS}}}sheet"), None)
    if first is None:
        return None
    rel_id = first.get(f"{{{_REL_NS}}}id")
    relations = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    for relation in relations.iter(f"{{{_PKG_REL_NS}}}Relationship"):
        if relation.get("Id") == rel_id:
            target = relation.get("Target", "")
            return target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return None


async def file_chunks(file: IO[bytes], *, chunk_size: int = 1 << 16) -> AsyncIterable[bytes]:
    """A file object (a multipart part Starlette spooled) as chunks, read off the event loop."""
    while chunk := await asyncio.to_thread(file.read, chunk_size):
        yield chunk


Records = Generator[tuple[int, list[str]], None, None]


def records(file: SpooledFile) -> Records:
    """(row number, cells) of every row, the header being row 1, as a spreadsheet numbers them;
    raises UnreadableFile (TooManyRows, CellTooLong) at the first row past the file's limits."""
    source = (
        _xlsx_records(file.path) if file.format is ImportFormat.XLSX else _csv_records(file.path)
    )
    limits = file.limits
    try:
        for row, cells in source:
            # The header and blank rows count too: they are rows a reader has to go through.
            if row > limits.max_rows + 1:
                raise TooManyRows(row, limits.max_rows)
            for column, cell in enumerate(cells, start=1):
                if len(cell) > limits.max_cell_chars:
                    raise CellTooLong(row, column, limits.max_cell_chars)
            yield row, cells
    finally:
        source.close()


def _csv_records(path: Path) -> Records:
    row = 0
    try:
        # utf-8-sig: a BOM (Excel's "CSV UTF-8") is dropped, a file without one reads the same.
        with path.open(encoding="utf-8-sig", newline="") as text:
            for row, cells in enumerate(csv.reader(text, strict=True), start=1):
                yield row, cells
    except UnicodeDecodeError as exc:
        raise UnreadableFile(row + 1, "the file is not UTF-8 text", "文件不是 UTF-8 文本") from exc
    except csv.Error as exc:
        raise UnreadableFile(
            row + 1, f"the file is not valid CSV: {exc}", "文件不是有效的 CSV 格式"
        ) from exc


def _xlsx_records(path: Path) -> Records:
    # A file object, not the path: openpyxl refuses paths without an .xlsx suffix.
    with path.open("rb") as handle:
        try:
            workbook = load_workbook(handle, read_only=True, data_only=True)
        except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
            raise UnreadableFile(
                1,
                "the file is neither UTF-8 CSV nor an XLSX workbook",
                "文件既不是 UTF-8 CSV，也不是 XLSX 工作簿",
            ) from exc
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
