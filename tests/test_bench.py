"""bench prints figures; this only checks that it still runs end to end (it times nothing)."""

import json
import os
import shutil
import subprocess
import sys

import pytest
from django.conf import settings

pytestmark = pytest.mark.skipif(not shutil.which("wrk"), reason="needs wrk (apt-get install wrk)")


def test_bench_runs_and_reports_every_page(tmp_path):
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{tmp_path / 'bench.sqlite3'}")
    env.pop("TEST_DATABASE_NAME", None)
    out = tmp_path / "bench.json"
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "bench",
            "--scale",
            "S",
            "--duration",
            "1",
            "--workers",
            "2",
            "--json",
            str(out),
        ],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "static req/s" in result.stdout and "worker RSS" in result.stdout
    report = json.loads(out.read_text())
    names = [row["name"] for row in report["results"]]
    assert names == [
        "dashboard",
        "pledges filtered",
        "pledge page",
        "statement page",
        "feed",
        "staff update",
    ]
    for row in report["results"]:
        assert row["page"]["requests"] > 0, row["name"]
        assert row["page"]["errors"] == 0, row["name"]
        if row["kind"] == "public":
            assert row["queries"] <= 10 and row["baseline"]["requests"] > 0
    assert len(report["worker_rss_mb"]) == 2
