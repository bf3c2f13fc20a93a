"""One exit-code rule for every command, run as a person runs it: the real CLI in a subprocess.

2 = bad input (usage, bad values, unknown ids, unreadable TOML/OPML, arguments that are not UTF-8);
1 = runtime trouble. Always one line on stderr, never a traceback.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def run(tmp_path: Path, *args: str | bytes, env: dict | None = None) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith("AGGREGATOR_")}
    base["AGGREGATOR_DATA_DIR"] = str(tmp_path / "data")
    argv = [sys.executable.encode(), b"-m", b"aggregator", *(a if isinstance(a, bytes) else a.encode() for a in args)]
    return subprocess.run(argv, cwd=tmp_path, env=base | (env or {}), capture_output=True, timeout=60)


def one_error_line(done: subprocess.CompletedProcess) -> str:
    lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), lines
    assert b"Traceback" not in done.stderr
    return lines[0]


@pytest.mark.parametrize("args", [
    ["fetch", "99"], ["sources", "log", "99"], ["sources", "enable", "99"], ["sources", "disable", "99"],
    ["sources", "forget", "99"], ["sources", "remove", "99"],
])
def test_an_unknown_source_id_is_bad_input_with_the_same_words(tmp_path: Path, args: list[str]) -> None:
    done = run(tmp_path, *args)
    assert done.returncode == 2
    assert one_error_line(done) == "error: store: no source with id 99"


@pytest.mark.parametrize("args, words", [
    (["sources", "remove", "999999999999999999999"], "not in the range"),
    (["sources", "add", "http://x.org/f", "--category", "a", "--every", "99999999999999999999d"], "not a duration"),
    (["sources", "add", "http://x.org/f", "--category", "a", "--every", "1000000000d"], "maximum of 30d"),
    (["sources", "add", "http://x.org/f", "--category", ""], "--category"),
    (["sources", "add", "http://exa mple.org/feed", "--category", "a"], "contains a space"),
    (["categories", "add", "ctl", "--name", "bad\x01name"], "control character"),
])
def test_bad_values_are_one_line_and_exit_2(tmp_path: Path, args: list[str], words: str) -> None:
    done = run(tmp_path, *args)
    assert done.returncode == 2
    assert words in one_error_line(done)


def test_an_argument_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    done = run(tmp_path, "sources", "add", "http://x.org/f", "--category", "a", "--name", b"a\xff\xfeb")
    assert done.returncode == 2
    assert one_error_line(done) == "error: argument is not valid UTF-8: a\\xff\\xfeb"


@pytest.mark.parametrize("name, text", [("broken.toml", "bad = ["), ("broken.opml", "<opml><body><outline")])
def test_an_unreadable_catalog_file_is_bad_input(tmp_path: Path, name: str, text: str) -> None:
    (tmp_path / name).write_text(text)
    done = run(tmp_path, "sources", "import", name)
    assert done.returncode == 2
    assert "catalog:" in one_error_line(done)


def test_a_bad_setting_is_bad_input(tmp_path: Path) -> None:
    done = run(tmp_path, "sources", "list", env={"AGGREGATOR_FETCH_TIMEOUT": "inf"})
    assert done.returncode == 2
    assert "fetch_timeout" in one_error_line(done)


def test_adding_a_private_url_warns_how_to_allow_it(tmp_path: Path) -> None:
    done = run(tmp_path, "sources", "add", "http://127.0.0.1:9/feed", "--category", "a")
    assert done.returncode == 0
    assert "allow_private_networks" in done.stderr.decode()
    quiet = run(tmp_path, "sources", "add", "http://127.0.0.1:9/other", "--category", "a",
                env={"AGGREGATOR_ALLOW_PRIVATE_NETWORKS": "1"})
    assert quiet.returncode == 0 and quiet.stderr == b""
