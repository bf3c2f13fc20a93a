"""Every command has help with an example, and every command is in the README."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from aggregator.cli import cli, load_all

load_all()  # every command registered, not only those run so far

README = (Path(__file__).parent.parent / "README.md").read_text("utf-8")


def commands(group: click.Group, prefix: str = "aggregator"):
    for name, command in sorted(group.commands.items()):
        if command.hidden:
            continue  # reached through its group's own syntax (`aggregator takedown ID`), documented there
        path = f"{prefix} {name}"
        if isinstance(command, click.Group):
            yield from commands(command, path)
        else:
            yield path, command


ALL = list(commands(cli))


@pytest.mark.parametrize("path, command", ALL, ids=[p for p, _ in ALL])
def test_command_has_help_with_an_example(path: str, command: click.Command) -> None:
    assert command.help and "Example:" in command.help, path


@pytest.mark.parametrize("path", [p for p, _ in ALL])
def test_command_is_in_the_readme(path: str) -> None:
    assert f"`{path}" in README or f"\n{path}" in README or f"$ {path}" in README, path


def test_every_config_key_is_in_the_readme() -> None:
    from dataclasses import fields

    from aggregator.config import Config

    for field in fields(Config):
        assert f"`{field.name}`" in README, field.name


@pytest.mark.parametrize("path, command", ALL, ids=[p for p, _ in ALL])
def test_rendered_help_keeps_one_example_per_line(path: str, command: click.Command) -> None:
    from click.testing import CliRunner

    args = path.split()[1:] + ["--help"]
    result = CliRunner().invoke(cli, args, terminal_width=100)
    assert result.exit_code == 0, result.output
    text = result.output
    example = text[text.index("Example:"):text.index("Options:")]
    lines = [line.strip() for line in example.splitlines() if line.strip().startswith("aggregator")]
    assert lines, f"{path}: no example line in the rendered help"
    for line in lines:
        assert line.count("aggregator ") <= 1 or "&&" in line, f"{path}: examples run together: {line!r}"
