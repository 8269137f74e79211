"""Every command and setting is documented in README.md (a docs test, as datasette keeps)."""

from __future__ import annotations

import re
from pathlib import Path

import typer.main

from pallmall.cli.main import app
from pallmall.core import settings

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def _commands(group: typer.Typer, prefix: str = "pallmall") -> list[str]:
    click_group = typer.main.get_command(group)
    names = []
    for name, command in click_group.commands.items():
        full = f"{prefix} {name}"
        names.append(full)
        if hasattr(command, "commands"):
            names += [f"{full} {sub}" for sub in command.commands]
    return names


def test_every_command_is_in_the_readme() -> None:
    missing = [c for c in _commands(app) if f"`{c}" not in README]
    assert missing == []


def test_every_setting_is_in_the_readme() -> None:
    source = Path(settings.__file__).read_text()
    names = set(re.findall(r'"(PALLMALL_[A-Z_]+)"', source))
    assert names, "settings are read from PALLMALL_* variables"
    assert sorted(n for n in names if f"`{n}`" not in README) == []
