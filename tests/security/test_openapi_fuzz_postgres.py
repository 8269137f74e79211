"""schemathesis against the OpenAPI document on PostgreSQL: no server error, no response
outside the schema (issue 13: the NUL-byte 500s were PostgreSQL's). The SQLite run is
``tests/integration/api/test_openapi_fuzz.py``; this one shares its checks."""

from __future__ import annotations

import atexit
import tempfile
import uuid
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from sqlalchemy import text

from pallmall.app import create_app
from pallmall.core.accounts import AccountService
from pallmall.core.auth import SYSTEM, Role
from pallmall.core.settings import Settings
from pallmall.storage.base import make_engine
from pallmall.storage.database import Database
from tests.conftest import POSTGRES_URL, _postgres_unreachable
from tests.helpers import load_demo
from tests.integration.api.test_openapi_fuzz import CONFORMANCE, OTHERS

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
_REASON = _postgres_unreachable()
if _REASON:
    pytest.skip(_REASON, allow_module_level=True)


def _api_schema() -> schemathesis.BaseSchema:
    # schemathesis collects operations at import time, so the app is built here, once, in a
    # schema of its own that is dropped when the run ends
    name = f"pm_fuzz_{uuid.uuid4().hex[:8]}"
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {name}"))
    admin.dispose()
    atexit.register(_drop, name)
    engine = make_engine(POSTGRES_URL, connect_args={"options": f"-csearch_path={name}"})
    db = Database(POSTGRES_URL, engine=engine)
    db.migrate()
    load_demo(db)
    with db.write() as tx:
        accounts = AccountService(tx.accounts, tx.audit)
        user = accounts.create_user(SYSTEM, "fuzz@example.org", "fuzz", Role.ADMIN, None)
        token = accounts.issue_token(SYSTEM, user)
    folder = Path(tempfile.mkdtemp(prefix="pallmall-fuzz-pg-"))
    app = create_app(Settings(data_dir=folder, session_secret="fuzz", recheck_seconds=0), db)
    loaded = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    loaded.config.headers = {"Authorization": f"Bearer {token}"}
    return loaded


def _drop(name: str) -> None:
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {name} CASCADE"))
    admin.dispose()


schema = _api_schema()


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema_on_postgresql(case: schemathesis.Case) -> None:
    case.call_and_validate(checks=CONFORMANCE, excluded_checks=OTHERS)
