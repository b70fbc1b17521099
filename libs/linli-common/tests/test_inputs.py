"""The NUL refusal every service route has: JSON bodies checked, form uploads left to their parser."""

from __future__ import annotations

import httpx
from fastapi import Depends, FastAPI, UploadFile
from pydantic import BaseModel

from linli.common.errors import install_problem_handlers
from linli.common.inputs import refuse_nul_characters


class Note(BaseModel):
    text: str


def _app() -> FastAPI:
    app = FastAPI(dependencies=[Depends(refuse_nul_characters)])
    install_problem_handlers(app)

    @app.post("/notes")
    async def note(body: Note) -> dict[str, str]:
        return {"text": body.text}

    @app.post("/uploads")
    async def upload(file: UploadFile) -> dict[str, int]:
        return {"size": len(await file.read())}

    return app


async def test_a_multipart_upload_passes_and_a_json_nul_is_refused() -> None:
    transport = httpx.ASGITransport(app=_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        uploaded = await client.post("/uploads", files={"file": ("a.bin", b"\x00\x01\x02")})
        refused = await client.post("/notes", json={"text": "a\x00b"})
        kept = await client.post("/notes", json={"text": "ab"})

    assert uploaded.status_code == 200, uploaded.text
    assert uploaded.json() == {"size": 3}
    assert refused.status_code == 422
    assert kept.json() == {"text": "ab"}
