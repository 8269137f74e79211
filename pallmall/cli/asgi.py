"""ASGI factory for uvicorn: ``uvicorn --factory pallmall.cli.asgi:app``."""

from __future__ import annotations

from fastapi import FastAPI

from pallmall.app import create_app
from pallmall.core.settings import load_settings


def app() -> FastAPI:
    """The app configured from the environment (``PALLMALL_*``)."""
    return create_app(load_settings())
