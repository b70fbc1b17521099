"""`python -m linli.gateway`: the gateway under uvicorn, configured as it must run everywhere."""

from __future__ import annotations

import argparse

import uvicorn

from linli.gateway.config import GatewaySettings
from linli.gateway.server import bounded_httptools

FACTORY = "linli.gateway.app:create_app"


def uvicorn_config(
    settings: GatewaySettings, *, host: str, port: int, log_level: str = "info"
) -> uvicorn.Config:
    """The one server configuration of the gateway (the Dockerfile, `linli dev up`, the bench).

    - httptools with the head bounded (`linli.gateway.server`): a fifth less CPU per proxied
      call than h11; a head over twice the app's limit is refused with 400 before it is
      buffered whole, and the app's own limit, below it, answers the 431 problem first.
    - No proxy headers at the server: uvicorn would believe `X-Forwarded-For` from any local
      peer; the app believes it only from `LINLI_GATEWAY_TRUSTED_PROXIES`.
    - No access log: it would print query strings in clear; the app logs each request itself.
    """
    return uvicorn.Config(
        FACTORY,
        factory=True,
        host=host,
        port=port,
        http=bounded_httptools(2 * settings.max_header_bytes),
        proxy_headers=False,
        access_log=False,
        log_level=log_level,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m linli.gateway", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--log-level", default="info", help="uvicorn's own log level")
    args = parser.parse_args(argv)
    config = uvicorn_config(
        GatewaySettings(), host=args.host, port=args.port, log_level=args.log_level
    )
    uvicorn.Server(config).run()


if __name__ == "__main__":
    main()
