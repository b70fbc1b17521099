"""The report as a workbook a street office files upward (少填表): one row per unit, one column per
figure, each column headed by its source and figure, the partial marker on top and per row."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.cell import WriteOnlyCell  # type: ignore[import-untyped]
from openpyxl.styles import Font  # type: ignore[import-untyped]

from linli.gateway.stats.schemas import StatsReport, UnitReport
from linli.gateway.stats.sources import SOURCES

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PARTIAL_MARK = "部分数据缺失 PARTIAL"
_LEVEL_ZH = {"city": "市", "district": "区", "street": "街道", "community": "社区"}


def _columns(report: StatsReport) -> list[tuple[str, str]]:
    """(section, figure) in source order, every figure any unit has; a section no unit has
    figures of keeps one empty column (figure ""), so the sheet's shape says it is missing."""
    units = [report.division, *report.children]
    columns: list[tuple[str, str]] = []
    for source in SOURCES:
        seen: dict[str, None] = {}
        for unit in units:
            figures = unit.sections[source.section].figures or {}
            seen.update(dict.fromkeys(figures))
        columns += [(source.section, figure) for figure in seen] or [(source.section, "")]
    return columns


def _missing_of(unit: UnitReport) -> str:
    return "、".join(
        f"{key}（{section.reason or section.status}）"
        for key, section in unit.sections.items()
        if section.status != "ok"
    )


def _bold(sheet: Any, value: object) -> Any:
    cell = WriteOnlyCell(sheet, value=value)
    cell.font = Font(bold=True)
    return cell


def workbook(report: StatsReport) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("统计报表")
    division = report.division
    title = f"{division.name or division.code}（{division.code}）统计报表"
    sheet.append([_bold(sheet, title)])
    sheet.append(["生成时间 generated (UTC)", report.generated_at.strftime("%Y-%m-%d %H:%M:%S")])
    marker = f"{PARTIAL_MARK}: " + ", ".join(report.missing) if report.partial else "完整 complete"
    sheet.append(["状态 status", _bold(sheet, marker) if report.partial else marker])
    sheet.append([])
    columns = _columns(report)
    titles = {s.section: s.title_zh for s in SOURCES}
    sheet.append(
        [
            _bold(sheet, header)
            for header in (
                "区划代码 code",
                "名称 name",
                "层级 level",
                *(
                    f"{titles[section]} {section}" + (f".{figure}" if figure else "")
                    for section, figure in columns
                ),
                "缺失 missing",
            )
        ]
    )
    for role, unit in (("合计", division), *(("", child) for child in report.children)):
        row: list[object] = [
            unit.code,
            f"{unit.name or ''}{'（' + role + '）' if role else ''}",
            _LEVEL_ZH[unit.level.value],
        ]
        for section, figure in columns:
            figures = unit.sections[section].figures
            row.append(figures.get(figure) if figures is not None and figure else None)
        row.append(_missing_of(unit))
        sheet.append(row)
    sources = book.create_sheet("数据来源 sources")
    sources.append([_bold(sources, h) for h in ("section", "来源 source", "service", "endpoint")])
    for key, info in report.sources.items():
        sources.append([key, info.title_zh, info.service, info.endpoint])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
