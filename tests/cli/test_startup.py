"""The CLI starts fast because each command's module loads only when that command runs: `--help`
and `sources list` never import the HTTP client, the templates, the extractors or pypinyin."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from aggregator.cli import cli, load_all
from aggregator.cli.base import LAZY_COMMANDS, SOURCES_LAZY

HEAVY = ("aiohttp", "jinja2", "trafilatura", "pypinyin", "feedparser", "feedgen", "datasketch", "nh3")


def imported_modules(tmp_path, *args: str) -> set[str]:
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "aggregator", "--data-dir", str(tmp_path / "d"),
                           *args], capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    return {line.split("|")[-1].strip().split(".")[0] for line in done.stderr.splitlines() if "|" in line}


@pytest.mark.parametrize("args", [("--help",), ("sources", "list"), ("categories", "list"), ("--version",)])
def test_light_commands_import_nothing_heavy(tmp_path, args) -> None:
    loaded = imported_modules(tmp_path, *args)
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))


def test_the_listed_help_is_each_commands_own() -> None:
    load_all()
    assert set(LAZY_COMMANDS) == set(cli.commands)
    for name, (module, summary) in LAZY_COMMANDS.items():
        command = cli.commands[name]
        assert command.callback is None or command.callback.__module__ == f"aggregator.cli.{module}"
        assert summary == command.get_short_help_str(10_000), name
    sources = cli.commands["sources"]
    for name, (module, summary) in SOURCES_LAZY.items():
        command = sources.commands[name]
        assert command.callback.__module__ == f"aggregator.cli.{module}"
        assert summary == command.get_short_help_str(10_000), name


def test_shell_completion_comes_from_the_cli_framework(tmp_path) -> None:
    script = str(Path(sys.executable).parent / "aggregator")
    env = {"PATH": "/usr/bin:/bin", "AGGREGATOR_DATA_DIR": str(tmp_path / "d")}
    source = subprocess.run([script], capture_output=True, text=True, timeout=60, cwd=tmp_path,
                            env=env | {"_AGGREGATOR_COMPLETE": "bash_source"})
    assert "_aggregator_completion" in source.stdout and "complete " in source.stdout
    words = subprocess.run([script], capture_output=True, text=True, timeout=60, cwd=tmp_path,
                           env=env | {"_AGGREGATOR_COMPLETE": "bash_complete", "COMP_WORDS": "aggregator sou",
                                      "COMP_CWORD": "1"})
    assert "sources" in words.stdout
