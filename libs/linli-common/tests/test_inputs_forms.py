"""The NUL refusal on form routes: text fields are checked, uploads reach the handler intact
(the parser consumed the body's bytes, which are never read again)."""

from __future__ import annotations

from typing import Annotated

import httpx
from fastapi import Depends, FastAPI, Form, UploadFile

from linli.common.errors import install_problem_handlers
from linli.common.inputs import refuse_nul_characters


def make_app() -> FastAPI:
    app = FastAPI(dependencies=[Depends(refuse_nul_characters)])
    install_problem_handlers(app)

    @app.post("/uploads")
    async def upload(note: Annotated[str, Form()], file: UploadFile) -> dict[str, object]:
        return {"note": note, "size": len(await file.read())}

    @app.post("/forms")
    async def plain(note: Annotated[str, Form()]) -> dict[str, object]:
        return {"note": note}

    return app


async def test_a_multipart_upload_passes_and_a_nul_in_a_field_is_refused() -> None:
    transport = httpx.ASGITransport(app=make_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        ok = await client.post(
            "/uploads", data={"note": "门牌"}, files={"file": ("a.txt", b"x" * 10)}
        )
        assert ok.status_code == 200, ok.text
        assert ok.json() == {"note": "门牌", "size": 10}

        bad = await client.post(
            "/uploads", data={"note": "a\x00b"}, files={"file": ("a.txt", b"x")}
        )
        assert bad.status_code == 422
        assert [e["field"] for e in bad.json()["errors"]] == ["body.note"]

        plain = await client.post("/forms", data={"note": "\x00"})
        assert plain.status_code == 422
        assert (await client.post("/forms", data={"note": "好"})).json() == {"note": "好"}
