"""Property-based fuzzing of the admin API from its own OpenAPI description (the schemathesis CLI,
run against a real server on 127.0.0.1): no input, valid or not, gets a 500, and every response
matches the description. In the slow target (`make slow`, which .ci/run runs)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.serve.test_admin import start

TOKEN = "fuzz-token-0123456789"  # HTTP headers are latin-1: the unit tests try a non-ASCII token

pytestmark = pytest.mark.slow
SCHEMATHESIS = shutil.which("schemathesis", path=str(Path(sys.executable).parent))


@pytest.mark.skipif(SCHEMATHESIS is None, reason="schemathesis comes with the slow target's extras (make slow)")
@pytest.mark.parametrize("token", [TOKEN, "wrong-token"])
def test_no_input_makes_the_admin_api_fail(live_site, db, config, tmp_path, token: str) -> None:
    base = start(live_site, config.with_overrides(admin_token=TOKEN), db)
    done = subprocess.run(
        [SCHEMATHESIS, "run", f"{base}/api/openapi.json", "--url", base, "-H", f"Authorization: Bearer {token}",
         "--checks", "not_a_server_error,status_code_conformance,content_type_conformance",
         "--max-examples", "40", "--no-color"],
        capture_output=True, text=True, timeout=900, cwd=tmp_path)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
