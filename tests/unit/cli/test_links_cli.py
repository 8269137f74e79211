"""``pallmall user link`` / ``confirm-link`` / ``links``, run as an operator would."""

from __future__ import annotations

import os
import re

import pytest

from tests.helpers import run_cli as run


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    data = tmp_path_factory.mktemp("cli-links")
    environment = {
        **os.environ,
        "PALLMALL_DATA_DIR": str(data),
        "PALLMALL_DATABASE_URL": "",
        "COLUMNS": "200",
        "PALLMALL_PASSWORD": "a long enough password",
    }
    run(environment, "init", "--demo")
    return environment


def test_link_an_account_to_its_registry_organisation(env: dict[str, str]) -> None:
    run(
        env,
        "user",
        "add",
        "seller@example.org",
        "--role",
        "vendor",
        "--account",
        "Seller Co",
        "--kind",
        "vendor",
    )
    found = run(env, "search", "Candiru").stdout
    record_id = re.search(r"\b(org-[0-9a-f]+)\b", found)
    assert record_id, found
    out = run(env, "user", "link", "seller@example.org", record_id.group(1)).stdout
    assert f"is {record_id.group(1)} (confirmed)" in out
    listed = run(env, "user", "links").stdout
    assert record_id.group(1) in listed and "confirmed" in listed
    # nothing to confirm: the link is already confirmed
    assert (
        "already confirmed" in run(env, "user", "confirm-link", "seller@example.org", code=2).stderr
    )


def test_linking_to_an_unknown_record_is_a_clear_error(env: dict[str, str]) -> None:
    run(
        env,
        "user",
        "add",
        "other@example.org",
        "--role",
        "vendor",
        "--account",
        "Other Co",
        "--kind",
        "vendor",
    )
    done = run(env, "user", "link", "other@example.org", "org-nope", code=2)
    assert "registry_id" in done.stderr and "no registry organisation 'org-nope'" in done.stderr
