"""Benchmark the public pages and the staff update round trip under load.

Serves the app with gunicorn on loopback, drives it with wrk for a fixed duration and
prints p50/p95 latency and requests/s per page, the same figures for a static file of
the same size served by the same gunicorn and whitenoise, the ratio between them, the
queries each page runs and the workers' resident memory. It prints figures; it asserts
nothing.
"""

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils.text import slugify

from tracker.caching import revision_memo
from tracker.models import Pledge, Statement

TARGET_P95_MS = {"public": 30.0, "staff": 50.0}
TARGET_RATIO = 0.5
TARGET_RSS_MB = 150

WRK_SCRIPT = """
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format("RESULT %d %d %d %.1f %.1f %.1f\\n", summary.requests,
    summary.duration, errors, latency:percentile(50), latency:percentile(95),
    latency:percentile(99)))
end
"""

# Each request posts an update to the next pledge in the list, with the version the
# editor's form would carry, and asks for the htmx row partial back. Each wrk thread takes
# its own share of the list, and each pass over the list expects the next version, so
# no request posts to a version already moved on.
WRK_POST_SCRIPT = """
local targets = {TARGETS}
local body = [[{BODY}]]
local counter = 0
local created = 0
setup = function(thread)
  thread:set("id", created)
  created = created + 1
end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = "{COOKIE}"
wrk.headers["X-CSRFToken"] = "{CSRF}"
wrk.headers["HX-Request"] = "true"
wrk.headers["Referer"] = "{ORIGIN}/staff/"
local checked = false
request = function()
  -- wrk calls request() once on thread 0 to inspect it, and never sends that one.
  if id == 0 and not checked then
    checked = true
    return wrk.format(nil, "/staff/")
  end
  local i = (id or 0) + counter * {THREADS}
  counter = counter + 1
  local t = targets[i % #targets + 1]
  -- Each pass over the list finds every pledge one version on (its update landed long ago).
  local version = t[2] + math.floor(i / #targets)
  local form = body:gsub("PK", tostring(t[1])):gsub("VERSION", tostring(version))
  return wrk.format(nil, "/staff/pledges/" .. t[1] .. "/update/", nil, form)
end
"""


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Command(BaseCommand):
    help = "Benchmark pages under load against a static-file baseline (prints a table)."

    def add_arguments(self, parser):
        parser.add_argument("--duration", type=int, default=10, help="Seconds per measurement.")
        parser.add_argument(
            "--connections", type=int, default=8, help="Concurrent readers (wrk connections)."
        )
        parser.add_argument(
            "--staff-connections",
            type=int,
            default=2,
            help="Editors posting updates at once, each as fast as the server answers.",
        )
        parser.add_argument("--threads", type=int, default=2, help="wrk threads.")
        parser.add_argument("--workers", type=int, default=4, help="gunicorn workers.")
        parser.add_argument("--scale", default="L", choices=["S", "M", "L"])
        parser.add_argument("--json", help="Also write the results to this file.")

    def handle(self, *args, **options):
        if "DATABASE_URL" not in os.environ:
            # SQLite by default, in a file of its own so the demo database stays as it is.
            env = dict(
                os.environ, DATABASE_URL=f"sqlite:///{settings.BASE_DIR / 'bench-L.sqlite3'}"
            )
            os.execve(sys.executable, [sys.executable, *sys.argv], env)  # noqa: S606
        if not shutil.which("wrk"):
            raise CommandError("bench needs wrk, the load generator: apt-get install -y wrk")
        self.options = options
        self.env = self.server_env()
        self.prepare_data(options["scale"])
        paths = self.paths()
        queries = {name: self.count_queries(path) for name, path in paths.items()}
        static_dir = Path(tempfile.mkdtemp(prefix="bench-static-"))
        self.collect_static(static_dir)
        sizes = self.page_sizes(paths)
        for name, size in sizes.items():
            (static_dir / f"bench-baseline-{slugify(name)}.html").write_bytes(b"x" * size)

        port = free_port()
        server = self.start_server(port, static_dir)
        base = f"http://127.0.0.1:{port}"
        try:
            rows = []
            for name, path in paths.items():
                page = self.wrk(base + path)
                baseline = self.wrk(f"{base}/static/bench-baseline-{slugify(name)}.html")
                rows.append(("public", name, path, sizes[name], queries[name], page, baseline))
            rows.append(
                (
                    "staff",
                    "staff update",
                    "POST /staff/pledges/<id>/update/",
                    None,
                    None,
                    self.staff_round_trip(base),
                    None,
                )
            )
            rss = self.worker_rss(server.pid)
        finally:
            server.terminate()
            server.wait(timeout=10)
            shutil.rmtree(static_dir, ignore_errors=True)
        self.report(rows, rss)

    # Set-up

    def server_env(self):
        env = dict(os.environ)
        env.update(
            DEBUG="0",
            SECRET_KEY=secrets.token_urlsafe(50),
            ALLOWED_HOSTS="127.0.0.1",
            SECURE_SSL_REDIRECT="0",
            SESSION_COOKIE_SECURE="0",
            CSRF_COOKIE_SECURE="0",
            SECURE_HSTS_SECONDS="0",
            LOG_LEVEL="ERROR",
        )
        return env

    def manage(self, *args):
        subprocess.run(
            [sys.executable, "manage.py", *args], cwd=settings.BASE_DIR, env=self.env, check=True
        )

    def prepare_data(self, scale):
        """Build (or reuse) the curated fixtures plus synthetic volume at this scale."""
        self.stdout.write(f"Database: {self.env['DATABASE_URL']}")
        call_command("migrate", verbosity=0)
        if not Statement.objects.exclude(slug__startswith="bulk-").exists():
            call_command("loaddata", "tracker", verbosity=0)
        call_command("seed_bulk", scale=scale)

    def paths(self):
        pledge = Pledge.objects.public().filter(slug__startswith="bulk-").order_by("pk").last()
        statement = (
            Statement.objects.public().filter(slug__startswith="bulk-").order_by("pk").last()
        )
        return {
            "dashboard": "/",
            "pledges filtered": "/pledges/?status=in_progress&overdue=1",
            "pledge page": pledge.get_absolute_url(),
            "statement page": statement.get_absolute_url(),
            "feed": "/feed/",
        }

    def count_queries(self, path):
        """Queries for a page rendered afresh, the revision read included."""
        cache.clear()
        revision_memo.forget()
        client = Client()
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(path)
        if response.status_code != 200:
            raise CommandError(f"{path} answered {response.status_code}")
        return len(ctx.captured_queries)

    def page_sizes(self, paths):
        client = Client()
        return {name: len(client.get(path).content) for name, path in paths.items()}

    def collect_static(self, static_dir):
        env = dict(self.env)
        env["STATIC_ROOT"] = str(static_dir)
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
            cwd=settings.BASE_DIR,
            env=env,
            check=True,
        )

    def start_server(self, port, static_dir):
        env = dict(self.env)
        env["STATIC_ROOT"] = str(static_dir)
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "tracker.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(self.options["workers"]),
                "--access-logfile",
                "/dev/null",
                "--error-logfile",
                "-",
                "--log-level",
                "warning",
            ],
            cwd=settings.BASE_DIR,
            env=env,
        )
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5)  # noqa: S310
                return server
            except OSError:
                time.sleep(0.2)
        server.terminate()
        raise CommandError("gunicorn did not start")

    # Measuring

    def wrk(self, url, scripts=(WRK_SCRIPT, WRK_SCRIPT), connections=None):
        """A short warm-up (caches, connections), then the measured run."""
        durations = (min(2, self.options["duration"]), self.options["duration"])
        for duration, script in zip(durations, scripts, strict=True):
            with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
                lua.write(script)
            command = [
                "wrk",
                "-t",
                str(self.options["threads"]),
                "-c",
                str(connections or self.options["connections"]),
                "-d",
                f"{duration}s",
                "-s",
                lua.name,
                url,
            ]
            result = subprocess.run(command, capture_output=True, text=True, check=True)
            os.unlink(lua.name)
        match = re.search(r"RESULT (\d+) (\d+) (\d+) ([\d.]+) ([\d.]+) ([\d.]+)", result.stdout)
        requests, duration_us, errors, p50, p95, p99 = match.groups()
        return {
            "requests": int(requests),
            "rps": int(requests) / (int(duration_us) / 1e6),
            "errors": int(errors),
            "p50_ms": float(p50) / 1000,
            "p95_ms": float(p95) / 1000,
            "p99_ms": float(p99) / 1000,
        }

    def staff_round_trip(self, base):
        """Log in as an editor, then POST updates and get the row partial back."""
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group

        password = secrets.token_urlsafe(16)
        user, _ = get_user_model().objects.get_or_create(username="bench-editor")
        user.set_password(password)
        user.save()
        user.groups.add(Group.objects.get(name="Editors"))

        jar = CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        opener.open(f"{base}/accounts/login/")
        csrf = next(c.value for c in jar if c.name == "csrftoken")
        opener.open(
            urllib.request.Request(
                f"{base}/accounts/login/",
                data=urllib.parse.urlencode(
                    {"username": user.username, "password": password, "csrfmiddlewaretoken": csrf}
                ).encode(),
                headers={"Referer": f"{base}/accounts/login/"},
            )
        )
        cookies = {c.name: c.value for c in jar}
        if "sessionid" not in cookies:
            raise CommandError("the bench editor could not log in")
        # The warm-up and the measured run take disjoint halves of the list.
        targets = list(
            Pledge.objects.filter(slug__startswith="bulk-")
            .order_by("pk")
            .values_list("pk", "version")
        )
        half = len(targets) // 2
        body = urllib.parse.urlencode(
            {
                "pPK-status": "in_progress",
                "pPK-as_of": time.strftime("%Y-%m-%d"),
                "pPK-public_note": "Benchmark update.",
                "pPK-internal_note": "",
                "pPK-version": "VERSION",
                "pPK-evidence-TOTAL_FORMS": "1",
                "pPK-evidence-INITIAL_FORMS": "0",
                "pPK-evidence-MIN_NUM_FORMS": "0",
                "pPK-evidence-MAX_NUM_FORMS": "1000",
                "pPK-evidence-0-url": "https://example.org/bench",
                "pPK-evidence-0-title": "Bench source",
            }
        )

        def script(part):
            listed = ",".join(f"{{{pk},{version}}}" for pk, version in part)
            return (
                WRK_POST_SCRIPT.replace("{TARGETS}", "{" + listed + "}")
                .replace("{BODY}", body)
                .replace("{THREADS}", str(self.options["threads"]))
                .replace("{COOKIE}", "; ".join(f"{k}={v}" for k, v in cookies.items()))
                .replace("{CSRF}", cookies["csrftoken"])
                .replace("{ORIGIN}", base)
            ) + WRK_SCRIPT

        return self.wrk(
            f"{base}/staff/",
            scripts=(script(targets[:half]), script(targets[half:])),
            connections=self.options["staff_connections"],
        )

    def worker_rss(self, master_pid):
        children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
        rss = {}
        for pid in children:
            status = Path(f"/proc/{pid}/status").read_text()
            rss[int(pid)] = int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024
        return rss

    # Reporting

    def report(self, rows, rss):
        vendor = "PostgreSQL" if "postgres" in self.env["DATABASE_URL"] else "SQLite"
        o = self.options
        self.stdout.write(
            f"\n{vendor}, scale {o['scale']}: gunicorn {o['workers']} workers, "
            f"wrk {o['threads']} threads x {o['connections']} connections "
            f"({o['staff_connections']} for the staff update), {o['duration']} s each\n"
        )
        header = (
            f"{'page':<17} {'bytes':>7} {'queries':>7} {'p50 ms':>7} {'p95 ms':>7} "
            f"{'req/s':>8} {'errors':>6} {'static req/s':>12} {'ratio':>6}  verdict"
        )
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        results = []
        for kind, name, path, size, queries, page, baseline in rows:
            ratio = page["rps"] / baseline["rps"] if baseline else None
            ok = page["p95_ms"] <= TARGET_P95_MS[kind] and page["errors"] == 0
            if ratio is not None:
                ok = ok and ratio >= TARGET_RATIO
            self.stdout.write(
                f"{name:<17} {size if size else '':>7} {queries if queries else '':>7} "
                f"{page['p50_ms']:>7.1f} {page['p95_ms']:>7.1f} {page['rps']:>8.0f} "
                f"{page['errors']:>6} {baseline['rps'] if baseline else 0:>12.0f} "
                f"{ratio if ratio else 0:>6.2f}  {'meets target' if ok else 'MISSES target'}"
            )
            results.append(
                {
                    "kind": kind,
                    "name": name,
                    "path": path,
                    "bytes": size,
                    "queries": queries,
                    "page": page,
                    "baseline": baseline,
                    "ratio": ratio,
                    "meets_target": ok,
                }
            )
        worst = max(rss.values())
        self.stdout.write(
            f"\nworker RSS: {', '.join(f'{v:.0f}' for v in rss.values())} MB "
            f"(max {worst:.0f} MB, target <= {TARGET_RSS_MB} MB: "
            f"{'meets target' if worst <= TARGET_RSS_MB else 'MISSES target'})"
        )
        self.stdout.write(
            f"targets: public p95 <= {TARGET_P95_MS['public']:.0f} ms and >= {TARGET_RATIO}x the "
            f"static baseline's req/s; staff update p95 <= {TARGET_P95_MS['staff']:.0f} ms"
        )
        if self.options["json"]:
            Path(self.options["json"]).write_text(
                json.dumps(
                    {
                        "database": vendor,
                        "options": {
                            k: o[k]
                            for k in (
                                "duration",
                                "connections",
                                "staff_connections",
                                "threads",
                                "workers",
                                "scale",
                            )
                        },
                        "results": results,
                        "worker_rss_mb": list(rss.values()),
                    },
                    indent=2,
                )
            )
