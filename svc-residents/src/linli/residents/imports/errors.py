"""Refusals of bulk import."""

from __future__ import annotations

from linli.common.errors import Conflict, InvalidInput, LinliError, NotFound


class ImportJobNotFound(NotFound):
    """No import job with this id that the caller may see."""

    problem = "import-not-found"
    title_en = "Import not found"
    title_zh = "导入任务不存在"


class ImportFileTooLarge(LinliError):
    """The upload is larger than the service accepts for one import."""

    status = 413
    problem = "import-file-too-large"
    title_en = "Import file too large"
    title_zh = "导入文件过大"


class ImportArchiveSuspicious(LinliError):
    """A workbook whose archive inflates far more than any spreadsheet does (an archive bomb)."""

    status = 413
    problem = "import-archive-suspicious"
    title_en = "Import workbook inflates too much"
    title_zh = "导入的工作簿解压后过大"


class ImportMediaType(LinliError):
    """The import was sent as something other than a file body or a multipart upload."""

    status = 415
    problem = "unsupported-media-type"
    title_en = "Unsupported media type"
    title_zh = "不支持的文件类型"


class ImportFileMissing(InvalidInput):
    """The multipart upload has no field `file`, or the body is empty."""

    problem = "import-file-missing"
    title_en = "Import file missing"
    title_zh = "缺少导入文件"


class ImportFileNameInvalid(InvalidInput):
    """The multipart upload's file name cannot be stored (it holds a NUL character)."""

    problem = "import-file-name-invalid"
    title_en = "Invalid file name"
    title_zh = "文件名无效"


class ImportReportNotReady(Conflict):
    """Only a rejected import has a report of bad rows; this one is not (or not yet) rejected."""

    problem = "import-report-not-ready"
    title_en = "Import has no report of bad rows"
    title_zh = "该导入没有错误报告"


class ImportKeyReused(InvalidInput):
    """The same Idempotency-Key was sent earlier with a different file."""

    problem = "idempotency-key-reused"
    title_en = "Idempotency key reused with a different request"
    title_zh = "幂等键已用于另一请求"
