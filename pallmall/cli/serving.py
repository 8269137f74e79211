"""How ``pallmall serve`` runs uvicorn, by name: the CLI imports this, not the app or
uvicorn's protocols (:mod:`pallmall.cli.asgi`), which each worker imports itself; so
``pallmall --help`` and every other command do not pay for importing the app (issue 16)."""

from __future__ import annotations

SERVE_OPTIONS: dict[str, str] = {
    # asyncio's own loop, not uvloop: at saturation uvloop keeps reading new requests ahead
    # of writing finished responses (MagicStack/uvloop#123), which put the registry read's
    # p99 at 300-600 ms against 40 ms here, for the same throughput.
    "loop": "asyncio",
    "http": "pallmall.cli.asgi:NoDelayHttpProtocol",
    "log_level": "warning",
}
"""How ``pallmall serve`` runs uvicorn (the benchmarks serve the same way). With
``--workers`` it also gives each worker 120 s to answer the supervisor's health check:
loading rigour's name tables (the screener's warm-up) holds the GIL for seconds, longer on
a loaded machine, and the default 5 s killed every worker before it was ready."""
