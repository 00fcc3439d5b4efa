"""bench prints figures; this only checks that it still runs end to end (it times nothing)."""

import json
import os
import shutil
import subprocess
import sys

import pytest
from django.conf import settings

pytestmark = pytest.mark.skipif(not shutil.which("wrk"), reason="needs wrk (apt-get install wrk)")


def test_bench_runs_and_reports_every_run(tmp_path):
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
    assert "p95 ms" in result.stdout and "worker RSS" in result.stdout
    report = json.loads(out.read_text())
    names = [row["name"] for row in report["results"]]
    assert names == [
        "pledge page",
        "filter combination",
        "page number",
        "search",
        "API page",
        "mix + 10 writes/s",
        "staff update alone",
        "staff worklist",
        "cached page",
        "cached under flood",
        "CSV export",
        "CSV export + writes",
        "data package zip",
        "data package zip + writes",
    ]
    for row in report["results"]:
        # One second per run on a busy machine: a slow run may finish no request in time,
        # but none may fail.
        assert {"p50_ms", "p95_ms", "rps", "errors"} <= set(row["page"]), row["name"]
        assert row["page"]["errors"] == 0, row["name"]
    search = {row["name"]: row for row in report["results"]}["search"]
    # Searches drawn from the data in both languages, and misses, each sent once.
    assert set(search["kinds"]) == {"Korean", "English", "mixed", "miss"}
    assert "distinct" in search
    cached = {row["name"]: row for row in report["results"]}["cached page"]
    assert cached["page"]["requests"] > 0 and cached["baseline"]["requests"] > 0
    writer = report["results"][5]["writer"]
    assert writer["requests"] > 0 and writer["errors"] == 0
    exports = [row for row in report["results"] if row["kind"] == "export"]
    for row in exports:
        assert row["after_write"]["bytes"] > 0 and row["sampled"]["downloads"] > 0, row["name"]
        assert row["after_write"]["revision"], row["name"]  # which revision the file shows
    assert all(row["writer"]["requests"] > 0 for row in exports if "writes" in row["name"])
    assert len(report["worker_rss_mb"]) == 2
