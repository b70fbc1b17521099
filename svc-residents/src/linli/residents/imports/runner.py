"""Import jobs running in the background of this process: one asyncio task per job.

The runner owns its units of work the way the request-scoped session owns a request's: progress
is committed in short transactions of its own (so `GET /imports/{id}` sees it while the job
runs), and storage is one transaction, committed here together with the job's `completed`
status: a job says completed if and only if its rows are in the registry.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import timedelta
from typing import Any

import structlog
from fastapi import FastAPI
from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from linli.common.pii import PiiCipher
from linli.common.tasks import cancel_and_wait
from linli.residents.config import Settings
from linli.residents.imports import service
from linli.residents.imports.files import SpooledFile
from linli.residents.imports.repository import ImportRepository
from linli.residents.imports.rows import Problem
from linli.residents.models.imports import ImportStatus

log = structlog.get_logger("linli.residents.imports")


class _JobProgress:
    """service.Progress for one job, each report committed at once."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], job_id: uuid.UUID) -> None:
        self._sessionmaker = sessionmaker
        self.job_id = job_id
        self._seq = 0
        self._bad: set[int] = set()

    async def update(self, **values: Any) -> None:
        async with self._sessionmaker.begin() as session:
            await ImportRepository(session).update_job(self.job_id, **values)

    async def counted(self, rows_total: int) -> None:
        await self.update(rows_total=rows_total)

    async def validated(self, rows: int) -> None:
        await self.update(rows_validated=rows)

    async def stored(self, rows: int) -> None:
        await self.update(rows_stored=rows)

    async def bad(self, problems: Sequence[Problem]) -> None:
        self._bad.update(p.row for p in problems)
        async with self._sessionmaker.begin() as session:
            repository = ImportRepository(session)
            await repository.add_bad_rows(self.job_id, problems, seq=self._seq)
            await repository.update_job(self.job_id, bad_rows=len(self._bad))
        self._seq += len(problems)

    async def finish(self, status: ImportStatus, **values: Any) -> None:
        await self.update(status=status, finished_at=func.now(), **values)


class ImportRunner:
    """Starts import jobs as tasks, keeps their heartbeat, and fails them if the service stops."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        cipher: PiiCipher,
        *,
        heartbeat_s: float,
        stale_after: timedelta,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._cipher = cipher
        self._heartbeat_s = heartbeat_s
        self.stale_after = stale_after
        self._tasks: dict[uuid.UUID, asyncio.Task[None]] = {}

    async def start(self, job_id: uuid.UUID, file: SpooledFile) -> None:
        """Start the job's task (async so a response's BackgroundTask runs it on the loop)."""
        task = asyncio.create_task(self._run(job_id, file), name=f"import-{job_id}")
        self._tasks[job_id] = task
        task.add_done_callback(lambda _: self._tasks.pop(job_id, None))

    async def wait(self, job_id: uuid.UUID) -> None:
        """Until the job's task ends (tests and the benchmark; HTTP clients poll instead)."""
        task = self._tasks.get(job_id)
        if task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.shield(task)

    async def fail_stale(self) -> int:
        async with self._sessionmaker.begin() as session:
            return await service.fail_stale_jobs(session, stale_after=self.stale_after)

    async def stop(self) -> None:
        await cancel_and_wait(list(self._tasks.values()))

    async def _heartbeat(self, progress: _JobProgress) -> None:
        while True:
            await asyncio.sleep(self._heartbeat_s)
            await progress.update()

    async def _run(self, job_id: uuid.UUID, file: SpooledFile) -> None:
        progress = _JobProgress(self._sessionmaker, job_id)
        heartbeat = asyncio.create_task(self._heartbeat(progress))
        try:
            await self._import(progress, file)
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                await asyncio.shield(
                    progress.finish(
                        ImportStatus.FAILED,
                        error="the service stopped during the import; nothing was stored, upload again",
                    )
                )
            raise
        except Exception:
            # No row content in the log line: only the job and the error's type and trace.
            log.exception("import failed", import_id=str(job_id))
            await progress.finish(
                ImportStatus.FAILED, error="the import failed; nothing was stored, upload again"
            )
        finally:
            await cancel_and_wait(heartbeat)
            await asyncio.to_thread(file.remove)

    async def _import(self, progress: _JobProgress, file: SpooledFile) -> None:
        async with self._sessionmaker() as session:
            job = await ImportRepository(session).get_job(progress.job_id)
            if job is None:  # the request that queued it rolled back
                return
            await progress.update(status=ImportStatus.VALIDATING)
            bad = await service.validate(
                session, job=job, file=file, cipher=self._cipher, progress=progress
            )
        if bad:
            await progress.finish(ImportStatus.REJECTED)
            log.info("import rejected", import_id=str(job.id), bad_rows=bad)
            return
        await progress.update(status=ImportStatus.STORING)
        async with self._sessionmaker() as session:
            outcome = await service.store(
                session, job=job, file=file, cipher=self._cipher, progress=progress
            )
            if isinstance(outcome, list):
                await session.rollback()
            else:
                await ImportRepository(session).update_job(
                    job.id,
                    status=ImportStatus.COMPLETED,
                    finished_at=func.now(),
                    rows_stored=outcome.residents,
                    households_created=outcome.households,
                    places_created=outcome.places,
                )
                await session.commit()
        if isinstance(outcome, list):
            await progress.bad(outcome)
            await progress.finish(ImportStatus.REJECTED, rows_stored=0)
            return
        log.info("import completed", import_id=str(job.id), residents=outcome.residents)


def install_import_runner(app: FastAPI, settings: Settings) -> None:
    """Run an ImportRunner for the app's lifetime: stale jobs are failed at startup, running ones
    are failed (and rolled back) at shutdown, before the engine goes."""
    inner = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[Any]:
        async with inner(app) as state:
            runner = ImportRunner(
                app.state.sessionmaker,
                app.state.pii_cipher,
                heartbeat_s=settings.import_heartbeat_s,
                stale_after=timedelta(seconds=settings.import_stale_after_s),
            )
            await runner.fail_stale()
            app.state.import_runner = runner
            try:
                yield state
            finally:
                await runner.stop()

    app.router.lifespan_context = lifespan
