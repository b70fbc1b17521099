"""One error tree and its RFC 9457 problem+json rendering, titled in Chinese or English."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_BASE = "https://linli.dev/problems/"


class LinliError(Exception):
    """Base of every expected failure; renders as a problem response with `status`."""

    status: ClassVar[int] = 400
    problem: ClassVar[str] = "bad-request"
    title_en: ClassVar[str] = "Bad request"
    title_zh: ClassVar[str] = "请求有误"

    def __init__(self, detail: str | None = None, **extensions: Any) -> None:
        super().__init__(detail or self.title_en)
        self.detail = detail
        self.extensions = extensions
        self.headers: dict[str, str] = {}


class NotFound(LinliError):
    """The object does not exist, or lies outside the caller's scope (never confirmed either way)."""

    status = 404
    problem = "not-found"
    title_en = "Not found"
    title_zh = "对象不存在"


class Unauthenticated(LinliError):
    """No valid credentials: missing, forged or expired token."""

    status = 401
    problem = "unauthenticated"
    title_en = "Authentication required"
    title_zh = "需要登录"

    def __init__(self, detail: str | None = None, **extensions: Any) -> None:
        super().__init__(detail, **extensions)
        self.headers["WWW-Authenticate"] = "Bearer"


class Forbidden(LinliError):
    """The caller's role may never do this, or the operation names a scope the caller does not hold."""

    status = 403
    problem = "forbidden"
    title_en = "Forbidden"
    title_zh = "无权操作"


class Conflict(LinliError):
    """The request conflicts with the current state of the object."""

    status = 409
    problem = "conflict"
    title_en = "Conflict"
    title_zh = "状态冲突"


class IllegalMove(Conflict):
    """A state machine's move refused from the object's current state. The problem's `state` and
    `allowed` extensions name the state and the moves that are allowed from it, so a client can
    offer those instead. A domain subclasses it to name its object (`noun`, `title_en`); the
    problem type stays `illegal-move` everywhere.

        class IllegalMove(errors.IllegalMove):
            noun = "an incident"
            title_en = "Not allowed in the incident's current state"
    """

    problem = "illegal-move"
    title_en = "Not allowed in the current state"
    title_zh = "当前状态不允许此操作"
    noun: ClassVar[str] = "an object"

    def __init__(
        self, *, action: str, state: str, allowed: Sequence[str], reason: str = ""
    ) -> None:
        detail = f"cannot {action} {self.noun} that is {state}"
        if reason:
            detail += f": {reason}"
        detail += "; allowed: " + (", ".join(allowed) or "none")
        super().__init__(detail, state=state, allowed=list(allowed))


class InvalidInput(LinliError):
    """Well-formed input that breaks a business rule; `errors` lists the offending fields."""

    status = 422
    problem = "invalid-input"
    title_en = "Invalid input"
    title_zh = "输入有误"


class NullNotAllowed(InvalidInput):
    """An update sets fields to null that must keep a value."""

    problem = "invalid-input"

    def __init__(self, fields: Sequence[str]) -> None:
        super().__init__(
            "these fields cannot be null: " + ", ".join(fields),
            errors=[
                FieldError(f"body.{f}", "not_null", "cannot be null", "不能为空") for f in fields
            ],
        )


class InvalidValue(ValueError):
    """A value a validator refuses, worded in English and in Chinese.

    Raised inside a pydantic validator, it becomes that field's error; a client that prefers
    Chinese reads `zh` as the field's message.
    """

    def __init__(self, en: str, zh: str) -> None:
        super().__init__(en)
        self.zh = zh


@dataclass(frozen=True, slots=True)
class FieldError:
    """One offending field of a refusal (`InvalidInput(..., errors=[FieldError(...)])`), worded
    in English and in Chinese: the problem lists it in the client's language."""

    field: str
    type: str
    en: str
    zh: str

    def render(self, *, chinese: bool) -> dict[str, str]:
        return {"field": self.field, "message": self.zh if chinese else self.en, "type": self.type}


# Chinese wording of pydantic's own error types, formatted with the error's `ctx`.
_ZH_MESSAGES = {
    "missing": "必填",
    "extra_forbidden": "不接受此字段",
    "string_type": "应为文本",
    "string_too_short": "至少 {min_length} 个字符",
    "string_too_long": "最多 {max_length} 个字符",
    "string_pattern_mismatch": "格式不符",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数",
    "float_type": "应为数字",
    "float_parsing": "应为数字",
    "bool_type": "应为 true 或 false",
    "bool_parsing": "应为 true 或 false",
    "greater_than": "应大于 {gt}",
    "greater_than_equal": "应不小于 {ge}",
    "less_than": "应小于 {lt}",
    "less_than_equal": "应不大于 {le}",
    "enum": "应为以下之一：{expected}",
    "literal_error": "应为以下之一：{expected}",
    "uuid_type": "应为 UUID",
    "uuid_parsing": "应为 UUID",
    "date_type": "应为日期（YYYY-MM-DD）",
    "date_parsing": "应为日期（YYYY-MM-DD）",
    "date_from_datetime_parsing": "应为日期（YYYY-MM-DD）",
    "datetime_type": "应为时间（ISO 8601）",
    "datetime_parsing": "应为时间（ISO 8601）",
    "datetime_from_date_parsing": "应为时间（ISO 8601）",
    "list_type": "应为数组",
    "too_short": "至少 {min_length} 项",
    "too_long": "最多 {max_length} 项",
    "dict_type": "应为对象",
    "model_type": "应为对象",
    "model_attributes_type": "应为对象",
    "json_invalid": "JSON 格式有误",
    "json_type": "应为 JSON",
}


def prefers_chinese(accept_language: str | None) -> bool:
    """Whether the first language the client names is Chinese (zh, zh-CN, zh-Hans …)."""
    if not accept_language:
        return False
    first = accept_language.split(",")[0].split(";")[0].strip().lower()
    return first.startswith("zh")


def problem_response(
    request: Request,
    *,
    status: int,
    problem: str,
    title_en: str,
    title_zh: str,
    detail: str | None = None,
    extensions: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + problem,
        "title": title_zh if prefers_chinese(request.headers.get("accept-language")) else title_en,
        "status": status,
    }
    if detail:
        body["detail"] = detail
    body["instance"] = request.url.path
    request_id = getattr(request.state, "request_id", None)
    if request_id:
        body["request_id"] = request_id
    chinese = prefers_chinese(request.headers.get("accept-language"))
    for name, value in (extensions or {}).items():
        body[name] = _localized(value, chinese=chinese) if name == "errors" else value
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def _localized(errors: Any, *, chinese: bool) -> Any:
    if not isinstance(errors, list | tuple):
        return errors
    return [e.render(chinese=chinese) if isinstance(e, FieldError) else e for e in errors]


def field_errors(errors: Sequence[Any], *, chinese: bool = False) -> list[dict[str, Any]]:
    """Pydantic errors as `{field, message, type}` with dotted field paths (`body.phone`),
    messages in Chinese when asked and known."""
    rendered = []
    for error in errors:
        loc = [str(part) for part in error.get("loc", ())]
        message = error.get("msg", "")
        cause = (error.get("ctx") or {}).get("error")
        if isinstance(cause, InvalidValue):
            # Our own wording, without pydantic's "Value error, " in front of it.
            message = str(cause)
        if error.get("type") == "json_invalid":
            # pydantic's location of a JSON syntax error is a character position, not a field.
            raw = error.get("loc", ())
            # Counted from 1, as an editor counts columns (pydantic's offset counts from 0).
            position = raw[1] + 1 if len(raw) > 1 and isinstance(raw[1], int) else "?"
            loc = loc[:1]
            reason = (error.get("ctx") or {}).get("error") or "JSON decode error"
            message = f"the body is not valid JSON: {reason} at character {position}"
            if chinese:
                message = f"请求体不是有效的 JSON（第 {position} 个字符处）"
        elif chinese:
            message = _chinese_message(error) or message
        rendered.append({"field": ".".join(loc), "message": message, "type": error.get("type", "")})
    return rendered


def _chinese_message(error: Mapping[str, Any]) -> str | None:
    context = error.get("ctx") or {}
    cause = context.get("error")
    if isinstance(cause, InvalidValue):
        return cause.zh
    template = _ZH_MESSAGES.get(error.get("type", ""))
    if template is None:
        return None
    try:
        return template.format(**context)
    except (KeyError, IndexError, ValueError):
        return template


async def _linli_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, LinliError)
    return problem_response(
        request,
        status=exc.status,
        problem=exc.problem,
        title_en=exc.title_en,
        title_zh=exc.title_zh,
        detail=exc.detail,
        extensions=exc.extensions,
        headers=exc.headers,
    )


async def _validation_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    chinese = prefers_chinese(request.headers.get("accept-language"))
    errors = field_errors(exc.errors(), chinese=chinese)
    fields = ", ".join(e["field"] for e in errors)
    return problem_response(
        request,
        status=422,
        problem="validation",
        title_en="Validation failed",
        title_zh="数据校验未通过",
        detail=f"invalid fields: {fields}",
        extensions={"errors": errors},
    )


async def _http_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    phrase = (
        HTTPStatus(exc.status_code).phrase
        if exc.status_code in HTTPStatus._value2member_map_
        else "Error"
    )
    return problem_response(
        request,
        status=exc.status_code,
        problem=phrase.lower().replace(" ", "-"),
        title_en=phrase,
        title_zh=phrase,
        detail=str(exc.detail) if exc.detail and exc.detail != phrase else None,
        headers=getattr(exc, "headers", None),
    )


def install_problem_handlers(app: FastAPI) -> None:
    """Render every LinliError, validation error and HTTP error as problem+json."""
    app.add_exception_handler(LinliError, _linli_error_handler)
    app.add_exception_handler(RequestValidationError, _validation_error_handler)
    app.add_exception_handler(StarletteHTTPException, _http_error_handler)


__all__ = [
    "PROBLEM_BASE",
    "PROBLEM_MEDIA_TYPE",
    "Conflict",
    "Forbidden",
    "InvalidInput",
    "InvalidValue",
    "LinliError",
    "NotFound",
    "Unauthenticated",
    "field_errors",
    "install_problem_handlers",
    "prefers_chinese",
    "problem_response",
]
