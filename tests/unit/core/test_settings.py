"""Settings come from PALLMALL_* variables; a value of the wrong kind is refused by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from pallmall.core.errors import InvalidInput
from pallmall.core.settings import Settings, load_settings


def test_defaults_without_variables() -> None:
    assert load_settings({}) == Settings()


def test_variables_are_read() -> None:
    settings = load_settings({"PALLMALL_DATA_DIR": "/srv/pm", "PALLMALL_RECHECK_SECONDS": "0"})
    assert settings.data_dir == Path("/srv/pm") and settings.recheck_seconds == 0.0
    assert settings.effective_database_url == "sqlite:////srv/pm/pallmall.db"


@pytest.mark.parametrize("value", ["abc", "-1", "nan", "inf"])
def test_bad_seconds_name_the_variable(value: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        load_settings({"PALLMALL_RECHECK_SECONDS": value})
    assert caught.value.field == "PALLMALL_RECHECK_SECONDS" and repr(value) in caught.value.reason


@pytest.mark.parametrize(("value", "expected"), [("1", True), ("true", True), ("0", False)])
def test_preloading_person_names_is_a_flag(value: str, expected: bool) -> None:
    settings = load_settings({"PALLMALL_PRELOAD_PERSON_NAMES": value})
    assert settings.preload_person_names is expected
    assert Settings().preload_person_names is False  # a worker is ready without them


def test_a_bad_flag_names_the_variable() -> None:
    with pytest.raises(InvalidInput) as caught:
        load_settings({"PALLMALL_PRELOAD_PERSON_NAMES": "maybe"})
    assert caught.value.field == "PALLMALL_PRELOAD_PERSON_NAMES"


def test_federation_sync_is_off_by_default_and_read_from_the_environment() -> None:
    assert Settings().federation_sync_seconds == 0.0
    assert Settings().federation_timeout_seconds == 10.0
    settings = load_settings(
        {"PALLMALL_FEDERATION_SYNC_SECONDS": "60", "PALLMALL_FEDERATION_TIMEOUT_SECONDS": "2.5"}
    )
    assert settings.federation_sync_seconds == 60.0
    assert settings.federation_timeout_seconds == 2.5
    with pytest.raises(InvalidInput) as caught:
        load_settings({"PALLMALL_FEDERATION_TIMEOUT_SECONDS": "0"})
    assert caught.value.field == "PALLMALL_FEDERATION_TIMEOUT_SECONDS"
