"""Response shapes of bulk import."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from linli.residents.models.imports import ImportFormat, ImportJob, ImportStatus


class ImportJobRead(BaseModel):
    """An import and its progress; poll it until `status` is completed, rejected or failed."""

    id: uuid.UUID
    status: ImportStatus = Field(
        description="queued → validating → storing → completed; rejected: some rows are bad "
        "and nothing was stored (see `report_url`); failed: an error, nothing was stored"
    )
    scope_code: str
    format: ImportFormat
    filename: str | None
    file_bytes: int
    rows_total: int | None = Field(description="Data rows in the file; null until counted")
    rows_validated: int
    rows_stored: int = Field(
        description="Rows written so far inside the import's one transaction: none is visible "
        "in the registry until `status` is completed"
    )
    bad_rows: int = Field(description="Rows with at least one problem")
    households_created: int
    places_created: int
    error: str | None
    created_at: datetime
    finished_at: datetime | None
    report_url: str | None = Field(description="The CSV of every bad row, once rejected")

    @classmethod
    def from_model(cls, job: ImportJob, *, root_path: str) -> ImportJobRead:
        """`root_path`: the request's (the gateway's `/api/residents`), so `report_url` works."""
        return cls(
            id=job.id,
            status=job.status,
            scope_code=job.scope_code,
            format=job.format,
            filename=job.filename,
            file_bytes=job.file_bytes,
            rows_total=job.rows_total,
            rows_validated=job.rows_validated,
            rows_stored=job.rows_stored,
            bad_rows=job.bad_rows,
            households_created=job.households_created,
            places_created=job.places_created,
            error=job.error,
            created_at=job.created_at,
            finished_at=job.finished_at,
            report_url=(
                f"{root_path}/imports/{job.id}/report.csv"
                if job.status is ImportStatus.REJECTED
                else None
            ),
        )
