"""Benchmark the public site under load as readers meet it, with staff writing.

Serves the app with gunicorn on loopback and drives it with wrk. Most runs request
random, distinct URLs (pledge pages among all of them, filter combinations, page
numbers, searches, API pages, and a mix), after a write has made every cached page
stale, so the figures are what an uncached reader meets. One run mixes in staff saving
10 updates a second; one measures a cached page alone and again under a flood of
cache-busting parameters; the exports (the full CSV, the data package's zip) are measured
against the same bytes served as a static file, alone and while staff write, with a task
worker building them in the background as in production. It prints p50/p95 and
requests/s per run; it asserts nothing.
"""

import json
import os
import random
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tracker.caching import revision_memo
from tracker.models import Counterpart, Pledge, PledgeSearch, Revision, Statement, Status, Topic
from tracker.search import HANGUL_RUN, STOP_WORDS

# Issue 16's targets, p95 in ms (None: no latency target, see the ratio).
TARGET_P95_MS = {"page": 50.0, "search": 100.0, "api": 50.0, "staff": 50.0}
TARGET_RATIO = 0.5
TARGET_RSS_MB = 150
WRITES_PER_SECOND = 10
# Distinct searches: half for the warm-up, half for the run, each sent at most once.
SEARCHES = 3000
# The exports measured: their path, and the static file of the same size they are compared to.
EXPORTS = {
    "CSV export": ("/pledges.csv", "bench-pledges.csv"),
    "data package zip": ("/data/korea-pledge-tracker.zip", "bench-package.zip"),
}

# Each request picks a random path of its run's list; each wrk thread seeds its own.
WRK_RANDOM_SCRIPT = """
local paths = {PATHS}
local created = 0
setup = function(thread)
  thread:set("id", created)
  created = created + 1
end
init = function(args)
  math.randomseed(os.time() * 1000 + (id or 0) * 7919)
end
request = function()
  return wrk.format(nil, paths[math.random(#paths)])
end
"""

# What an editor's browser posts for one update (PK and VERSION filled in per request).
UPDATE_FORM = urllib.parse.urlencode(
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

# Each request takes the next path of the list (each wrk thread its own share): no path is
# asked for twice while the run sends fewer requests than the list holds, so no answer can
# come from the page cache. The request wrk builds once to inspect is never sent.
WRK_SEQUENTIAL_SCRIPT = """
local paths = {PATHS}
local counter = 0
local created = 0
setup = function(thread)
  thread:set("id", created)
  created = created + 1
end
request = function()
  local i = (id or 0) + counter * {THREADS}
  counter = counter + 1
  return wrk.format(nil, paths[i % #paths + 1])
end
"""

WRK_FLOOD_SCRIPT = """
request = function()
  return wrk.format(nil, "/?utm=" .. math.random(1, 1000000000))
end
"""

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
wrk.headers["Referer"] = "{ORIGIN}/ko/staff/"
local checked = false
request = function()
  -- wrk calls request() once on thread 0 to inspect it, and never sends that one.
  if id == 0 and not checked then
    checked = true
    return wrk.format(nil, "/ko/staff/")
  end
  local i = (id or 0) + counter * {THREADS}
  counter = counter + 1
  local t = targets[i % #targets + 1]
  -- Each pass over the list finds every pledge one version on (its update landed long ago).
  local version = t[2] + math.floor(i / #targets)
  local form = body:gsub("PK", tostring(t[1])):gsub("VERSION", tostring(version))
  return wrk.format(nil, "/ko/staff/pledges/" .. t[1] .. "/update/", nil, form)
end
"""


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def time_download(url):
    """Milliseconds to the first byte and to the last, for one GET, and the revision the
    file says it shows."""
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310
        response.read(1)
        first_byte = time.perf_counter() - started
        size = 1 + len(response.read())
        revision = response.headers.get("Record-Revision")
    return {
        "first_byte_ms": first_byte * 1000,
        "total_ms": (time.perf_counter() - started) * 1000,
        "bytes": size,
        "revision": int(revision) if revision else None,
    }


def percentile(values, fraction):
    values = sorted(values) or [0.0]
    return values[min(len(values) - 1, int(len(values) * fraction))]


class Sampler:
    """Single downloads one after another: their first byte, and how long the record had
    moved past the revision each file shows (from when this sampler first saw a newer
    revision, so to within one download's time)."""

    def __init__(self, url, count=20):
        self.url, self.count, self.samples = url, count, []
        self.seen = []  # (time, revision number) as read before each download

    def run(self):
        for _ in range(self.count):
            self.seen.append((time.monotonic(), Revision.current().number))
            got = time_download(self.url)
            if got["revision"] is not None:
                later = [at for at, number in self.seen if number > got["revision"]]
                got["behind"] = max(0, self.seen[-1][1] - got["revision"])
                got["behind_s"] = time.monotonic() - later[0] if later else 0.0
            self.samples.append(got)
            time.sleep(0.2)
        return self.summary()

    def summary(self):
        firsts = [s["first_byte_ms"] for s in self.samples]
        return {
            "downloads": len(self.samples),
            "first_byte_p50_ms": statistics.median(firsts or [0.0]),
            "first_byte_p95_ms": percentile(firsts, 0.95),
            "revisions_behind_max": max(s.get("behind", 0) for s in self.samples),
            "seconds_behind_max": max(s.get("behind_s", 0.0) for s in self.samples),
        }


class Writer:
    """An editor saving `rate` updates a second (open loop: a slow save does not slow the
    next one's start), each to a different pledge with the version its form would carry."""

    def __init__(self, base, cookies, targets, rate):
        self.base, self.targets, self.rate = base, list(targets), rate
        self.headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
            "X-CSRFToken": cookies["csrftoken"],
            "HX-Request": "true",
            "Referer": f"{base}/ko/staff/",
        }
        self.latencies, self.errors = [], 0
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def start(self):
        self.started = time.perf_counter()
        self.thread.start()

    def stop(self):
        self.stopping.set()
        self.thread.join()
        self.elapsed = time.perf_counter() - self.started

    def run(self):
        interval, sent, workers = 1 / self.rate, 0, []
        while not self.stopping.is_set() and sent < len(self.targets):
            pk, version = self.targets[sent]
            worker = threading.Thread(target=self.post, args=(pk, version), daemon=True)
            worker.start()
            workers.append(worker)
            sent += 1
            self.stopping.wait(max(0.0, self.started + sent * interval - time.perf_counter()))
        for worker in workers:
            worker.join(timeout=30)

    def post(self, pk, version):
        body = UPDATE_FORM.replace("PK", str(pk)).replace("VERSION", str(version)).encode()
        request = urllib.request.Request(
            f"{self.base}/ko/staff/pledges/{pk}/update/", data=body, headers=self.headers
        )
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                response.read()
                # A redirect followed (to the log-in page, or to a language prefix) is a
                # GET that saved nothing.
                ok = response.status == 200 and response.geturl() == request.full_url
        except OSError:
            ok = False
        with self.lock:
            self.latencies.append((time.perf_counter() - started) * 1000)
            self.errors += not ok

    def summary(self):
        latencies = sorted(self.latencies) or [0.0]
        return {
            "requests": len(self.latencies),
            "rps": len(self.latencies) / self.elapsed,
            "errors": self.errors,
            "p50_ms": statistics.median(latencies),
            "p95_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.95))],
        }


class Command(BaseCommand):
    help = "Benchmark the public site with random URLs and staff writes (prints a table)."

    def add_arguments(self, parser):
        parser.add_argument("--duration", type=int, default=10, help="Seconds per measurement.")
        parser.add_argument(
            "--connections", type=int, default=16, help="Concurrent readers (wrk connections)."
        )
        parser.add_argument(
            "--staff-connections",
            type=int,
            default=2,
            help="Editors posting updates at once, each as fast as the server answers.",
        )
        parser.add_argument("--threads", type=int, default=2, help="wrk threads.")
        parser.add_argument("--workers", type=int, default=4, help="gunicorn workers.")
        parser.add_argument(
            "--gunicorn-threads", type=int, default=1, help="Threads per gunicorn worker."
        )
        parser.add_argument(
            "--staff-workers",
            type=int,
            default=0,
            help="Serve /staff/ from a second gunicorn with this many workers (0: the same).",
        )
        parser.add_argument(
            "--public-nice",
            type=int,
            default=0,
            help="Run the public gunicorn at this nice level (with --staff-workers: staff first).",
        )
        parser.add_argument("--scale", default="L", choices=["S", "M", "L"])
        parser.add_argument("--only", help="Comma-separated run names (default: all).")
        parser.add_argument("--json", help="Also write the results to this file.")
        parser.add_argument(
            "--broad-write",
            action="store_true",
            help="Before each uncached run, make a write that stales everything (an edit), "
            "not a status update's (the default).",
        )

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
        self.static_runs = {}
        self.env = self.server_env()
        self.prepare_data(options["scale"])
        self.rng = random.Random(16)
        urls = self.random_urls()
        queries = {name: self.count_queries(paths[0]) for name, paths in urls.items()}
        static_dir = Path(tempfile.mkdtemp(prefix="bench-static-"))
        self.collect_static(static_dir)
        self.compile_bytecode()
        client = Client()
        home_size = len(client.get("/ko/").content)
        (static_dir / "bench-home.html").write_bytes(b"x" * home_size)
        for path, name in EXPORTS.values():
            size = len(b"".join(client.get(path).streaming_content))
            (static_dir / name).write_bytes(b"x" * size)

        port = free_port()
        servers = [self.start_server(port, static_dir, options["workers"], options["public_nice"])]
        base = staff = f"http://127.0.0.1:{port}"
        if options["staff_workers"]:
            # Staff pages on workers of their own, as a proxy routing /staff/ would send them.
            port = free_port()
            servers.append(self.start_server(port, static_dir, options["staff_workers"]))
            staff = f"http://127.0.0.1:{port}"
        # Exports are built in the background, as in production: one task worker.
        servers.append(self.start_worker())
        only = set(options["only"].split(",")) if options["only"] else None
        rows = []

        def run(name, kind, measure):
            if only is None or name in only:
                page, baseline, extra = measure()
                # The machine's load while it ran: the figures mean little without it.
                page["load"] = os.getloadavg()[0]
                rows.append((name, kind, page, baseline, extra))
                self.stdout.write(
                    f"  {name}: p50 {page['p50_ms']:.1f} ms, p95 {page['p95_ms']:.1f} ms, "
                    f"{page['rps']:.0f} req/s, {page['errors']} errors, load {page['load']:.1f}"
                )

        try:
            for name, paths in urls.items():
                kind = "search" if name == "search" else "api" if "API" in name else "page"
                run(name, kind, lambda paths=paths, name=name: self.uncached(base, paths, name))
            run("mix + 10 writes/s", "page", lambda: self.mix_with_writes(base, staff, urls))
            run("staff update alone", "staff", lambda: (self.staff_round_trip(staff), None, {}))
            run("staff worklist", "staff", lambda: (self.staff_worklist(staff), None, {}))
            run("cached page", "cached", lambda: self.cached(base, flood=False))
            run("cached under flood", "flood", lambda: self.cached(base, flood=True))
            for name, (path, static_name) in EXPORTS.items():
                run(name, "export", lambda p=path, n=static_name: self.export(base, p, n))
                run(
                    f"{name} + writes",
                    "export",
                    lambda p=path, n=static_name: self.export(base, p, n, staff=staff),
                )
            rss = self.worker_rss(servers[0].pid)
            self.report(rows, queries, rss)
        finally:
            for server in servers:
                server.terminate()
                try:
                    server.wait(timeout=30)
                except subprocess.TimeoutExpired:  # a worker still stuck in a slow request
                    server.kill()
                    server.wait()
            shutil.rmtree(static_dir, ignore_errors=True)

    def random_urls(self):
        """Lists of distinct URLs, one per kind of reader; a run picks from one at random."""
        rng = self.rng
        slugs = list(Pledge.objects.public().values_list("slug", flat=True))
        pages = max(1, len(slugs) // 25)
        statuses = list(Status.values)
        counterparts = list(Counterpart.objects.values_list("slug", flat=True))
        topics = list(Topic.objects.values_list("slug", flat=True))
        years = sorted({d.year for d in Statement.objects.dates("date", "year")})
        combos = set()
        while len(combos) < 2000:
            params = {}
            for name, values in (
                ("status", statuses),
                ("counterpart", counterparts),
                ("topic", topics),
                ("year", years),
                ("overdue", [1]),
            ):
                if values and rng.random() < 0.4:
                    params[name] = rng.choice(values)
            params["page"] = rng.choice([1, 1, 1, 2, 3])
            combos.add("/ko/pledges/?" + urllib.parse.urlencode(params))
        self.searches = self.search_queries(SEARCHES)
        urls = {
            "pledge page": [f"/ko/pledges/{slug}/" for slug in slugs],
            "filter combination": sorted(combos),
            "page number": [f"/ko/pledges/?page={n}" for n in range(1, pages + 1)],
            "search": [
                "/ko/pledges/?" + urllib.parse.urlencode({"q": q}) for q, _ in self.searches
            ],
            "API page": [f"/api/pledges.json?page={n}" for n in range(1, pages // 4 + 2)],
        }
        for name, paths in urls.items():
            if name != "search":  # already in a random order, kinds interleaved
                rng.shuffle(paths)
        return urls

    def search_queries(self, count):
        """`count` distinct searches as readers type them, in a random order: [(q, kind)].

        Words are drawn from the search text of 1,000 random public pledges (the curated
        ones among them), Korean as written there (particles and all); two words are two
        of one pledge's (as a reader after that pledge would type them) or any two. Misses
        are made-up words no pledge has, alone or beside a real word. 40 % Korean, 40 %
        English, 10 % one of each, 10 % misses; at scale L about a quarter find nothing
        (the misses, and pairs of words no one pledge has)."""
        rng = self.rng
        public = sorted(Pledge.objects.public().values_list("pk", flat=True))
        rows = PledgeSearch.objects.filter(pk__in=rng.sample(public, min(1000, len(public))))
        docs = []
        for text in rows.order_by("pk").values_list("text", flat=True):
            words = {w.lower() for w in re.findall(r"[A-Za-z]{3,}", text)} - STOP_WORDS
            hangul = {w for w in HANGUL_RUN.findall(text) if len(w) > 1}
            docs.append((sorted(words), sorted(hangul)))
        english = sorted({w for doc in docs for w in doc[0]})
        korean = sorted({w for doc in docs for w in doc[1]})

        def words(language):
            vocabulary, index = (english, 0) if language == "English" else (korean, 1)
            if (r := rng.random()) < 0.45:
                return rng.choice(vocabulary)
            if r < 0.9:  # two words of one pledge
                doc = rng.choice([d for d in docs if len(d[index]) > 1] or [(english, korean)])
                return " ".join(rng.sample(doc[index], 2))
            return " ".join(rng.sample(vocabulary, 2))  # any two: often nothing found

        def mixed():
            en, ko = (english, korean)
            if rng.random() < 0.8:
                en, ko = rng.choice([d for d in docs if d[0] and d[1]] or [(en, ko)])
            return f"{rng.choice(en)} {rng.choice(ko)}"

        def miss():
            if rng.random() < 0.5:
                made_up = "".join(rng.choice("bcdfghjklmnpqrstvwxz") for _ in range(7))
            else:
                made_up = "".join(chr(rng.randint(0xAC00, 0xD7A3)) for _ in range(3))
            return made_up + rng.choice(["", f" {rng.choice(english + korean)}"])

        makers = {
            "Korean": lambda: words("Korean"),
            "English": lambda: words("English"),
            "mixed": mixed,
            "miss": miss,
        }
        shares = {"Korean": 0.4, "English": 0.4, "mixed": 0.1, "miss": 0.1}
        queries, seen = [], set()
        if not english or not korean:  # a database without one language: misses only
            shares = {"miss": 1.0}
            english = korean = english or korean or ["zzz"]
        for kind, share in shares.items():
            wanted, tries = len(queries) + round(count * share), 0
            while len(queries) < wanted and tries < count * 20:
                tries += 1
                q = makers[kind]()
                if q not in seen:
                    seen.add(q)
                    queries.append((q, kind))
        rng.shuffle(queries)
        return queries

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

    def compile_bytecode(self):
        """Compile the app and its packages to bytecode, as an install with
        `--compile-bytecode` would. With PYTHONDONTWRITEBYTECODE set (as on this machine)
        and nothing compiled, every gunicorn worker compiled each module its first request
        imported: 1.8 s of CPU per worker, 10-17 s of wall time at load 7, which was most of
        a 10 s run. Quick once done (compileall skips what is up to date)."""
        started = time.perf_counter()
        paths = [str(settings.BASE_DIR / "tracker"), sysconfig.get_paths()["purelib"]]
        subprocess.run(
            [sys.executable, "-m", "compileall", "-q", "-j", "0", *paths],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,  # third-party packages' SyntaxWarnings
            check=False,  # a package's test file that does not compile is no reason to stop
        )
        self.stdout.write(f"Bytecode compiled in {time.perf_counter() - started:.1f} s")

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

    def collect_static(self, static_dir):
        env = dict(self.env)
        env["STATIC_ROOT"] = str(static_dir)
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
            cwd=settings.BASE_DIR,
            env=env,
            check=True,
        )

    def start_worker(self):
        """The exports' own `db_worker`, as beside the app servers in production (the
        other queue's tasks, the writes' evidence fetches, are left queued)."""
        return subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--no-reload", "--queue-name", "exports"],
            cwd=settings.BASE_DIR,
            env=self.env,
        )

    def start_server(self, port, static_dir, workers, nice=0):
        env = dict(self.env)
        env["STATIC_ROOT"] = str(static_dir)
        server = subprocess.Popen(
            [
                *(["nice", "-n", str(nice)] if nice else []),
                sys.executable,
                "-m",
                "gunicorn",
                "tracker.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                "--threads",
                str(self.options["gunicorn_threads"]),
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
                "--timeout",
                "10s",  # slow is measured as slow, not counted as an error
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

    def random_script(self, paths):
        listed = ",".join(f'"{path}"' for path in paths)
        return WRK_RANDOM_SCRIPT.replace("{PATHS}", "{" + listed + "}") + WRK_SCRIPT

    def sequential_script(self, paths):
        listed = ",".join(f'"{path}"' for path in paths)
        return (
            WRK_SEQUENTIAL_SCRIPT.replace("{PATHS}", "{" + listed + "}").replace(
                "{THREADS}", str(self.options["threads"])
            )
            + WRK_SCRIPT
        )

    def stale(self):
        """A write, as after each real save: by default a status update's (every page that
        lists pledges is stale; pages about other pledges and their list rows are not);
        with --broad-write an edit's, after which nothing cached is current."""
        if self.options["broad_write"]:
            Revision.bump()
        else:
            Revision.bump(pledge=Pledge.objects.filter(slug__startswith="bulk-").first().pk)

    def uncached(self, base, paths, name):
        """Readers on random distinct URLs of one kind, everything cached made stale first.

        Searches are each sent once (the warm-up and the run take disjoint halves), so no
        answer is a cached page, whatever the page cache holds."""
        self.stale()
        if name == "search":
            half = len(paths) // 2
            scripts = (self.sequential_script(paths[:half]), self.sequential_script(paths[half:]))
            page = self.wrk(base + paths[0], scripts=scripts)
            kinds = {}
            for _, kind in self.searches:
                kinds[kind] = kinds.get(kind, 0) + 1
            # Fewer requests than the run's half: none was asked for twice.
            extra = {"distinct": page["requests"] <= len(paths) - half, "kinds": kinds}
            return page, None, extra
        script = self.random_script(paths)
        return self.wrk(base + paths[0], scripts=(script, script)), None, {}

    def mixed_paths(self, urls):
        """The same number of each kind, so the mix weighs them equally."""
        per_kind = min(len(paths) for paths in urls.values())
        return [path for paths in urls.values() for path in paths[:per_kind]]

    def mix_with_writes(self, base, staff, urls):
        """Readers on the mix while an editor saves WRITES_PER_SECOND updates a second
        (to `staff`, the same server unless --staff-workers)."""
        cookies = self.editor_cookies(staff)
        targets = list(
            Pledge.objects.filter(slug__startswith="bulk-")
            .order_by("-pk")
            .values_list("pk", "version")
        )
        writer = Writer(staff, cookies, targets, WRITES_PER_SECOND)
        self.stale()
        writer.start()
        try:
            script = self.random_script(self.mixed_paths(urls))
            readers = self.wrk(base + "/ko/", scripts=(script, script))
        finally:
            writer.stop()
        return readers, None, {"writer": writer.summary()}

    def cached(self, base, flood):
        """One URL repeated: the cached page; with `flood`, while others bust the cache."""
        flooding = None
        if flood:
            with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
                lua.write(WRK_FLOOD_SCRIPT)
            seconds = min(2, self.options["duration"]) + self.options["duration"] + 2
            flooding = subprocess.Popen(
                ["wrk", "-t", "1", "-c", "8", "-d", f"{seconds}s", "-s", lua.name, base + "/ko/"],
                stdout=subprocess.DEVNULL,
            )
        try:
            page = self.wrk(base + "/ko/")
        finally:
            if flooding is not None:
                flooding.wait()
                os.unlink(lua.name)
        if not flood:
            self.cached_alone = page
            return page, self.wrk(f"{base}/static/bench-home.html"), {}
        return page, getattr(self, "cached_alone", None), {}

    def export(self, base, path, static_name, staff=None):
        """An export file against the same bytes served as a static file: first 20
        single downloads one after another (the first byte, and which revision the file
        shows), then two readers downloading it over and over (wrk, throughput). Right
        after a write (its build queued, the file before served meanwhile); with `staff`,
        while an editor saves WRITES_PER_SECOND updates a second there and the worker
        rebuilds."""
        for _ in range(self.options["workers"]):  # every worker has served one: warm
            time_download(base + path)
        self.stale()
        after_write = time_download(base + path)
        writer = None
        if staff:
            cookies = self.editor_cookies(staff)
            targets = list(
                Pledge.objects.filter(slug__startswith="bulk-")
                .order_by("-pk")
                .values_list("pk", "version")
            )
            writer = Writer(staff, cookies, targets, WRITES_PER_SECOND)
            writer.start()
        try:
            sampled = Sampler(base + path).run()
            page = self.wrk(base + path, connections=2)
        finally:
            if writer:
                writer.stop()
        if static_name not in self.static_runs:
            static = Sampler(f"{base}/static/{static_name}").run()
            self.static_runs[static_name] = self.wrk(f"{base}/static/{static_name}", connections=2)
            self.static_runs[static_name]["first_byte_p95_ms"] = static["first_byte_p95_ms"]
        extra = {"after_write": after_write, "sampled": sampled}
        if writer:
            extra["writer"] = writer.summary()
        return page, self.static_runs[static_name], extra

    def editor_cookies(self, base):
        """Log in as an editor through the login form; the session and CSRF cookies."""
        password = secrets.token_urlsafe(16)
        user, _ = get_user_model().objects.get_or_create(username="bench-editor")
        user.set_password(password)
        user.save()
        user.groups.add(Group.objects.get(name="Editors"))

        jar = CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        opener.open(f"{base}/ko/accounts/login/")
        csrf = next(c.value for c in jar if c.name == "csrftoken")
        opener.open(
            urllib.request.Request(
                f"{base}/ko/accounts/login/",
                data=urllib.parse.urlencode(
                    {"username": user.username, "password": password, "csrfmiddlewaretoken": csrf}
                ).encode(),
                headers={"Referer": f"{base}/ko/accounts/login/"},
            )
        )
        cookies = {c.name: c.value for c in jar}
        if "sessionid" not in cookies:
            raise CommandError("the bench editor could not log in")
        return cookies

    def staff_round_trip(self, base):
        """POST updates as fast as the server answers and get the row partial back."""
        cookies = self.editor_cookies(base)
        # The warm-up and the measured run take disjoint halves of the list.
        targets = list(
            Pledge.objects.filter(slug__startswith="bulk-")
            .order_by("pk")
            .values_list("pk", "version")
        )
        half = len(targets) // 2
        body = UPDATE_FORM

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
            f"{base}/ko/staff/",
            scripts=(script(targets[:half]), script(targets[half:])),
            connections=self.options["staff_connections"],
        )

    def staff_worklist(self, base):
        """An editor's worklist, whole pages with My day, on random distinct filter views
        after a write; each new view is also remembered as the editor's saved filters."""
        cookies = self.editor_cookies(base)
        rng = self.rng
        checks = ["overdue", "quiet", "due_this_month", "unrated", "mine"]
        statuses = list(Status.values)
        counterparts = list(Counterpart.objects.values_list("slug", flat=True))
        paths = set()
        while len(paths) < 300:
            params = {"page": rng.randint(1, 5), "sort": rng.choice(["", "target", "updated"])}
            params[rng.choice(checks)] = "on"
            if rng.random() < 0.5:
                params["status"] = rng.choice(statuses)
            if counterparts and rng.random() < 0.5:
                params["counterpart"] = rng.choice(counterparts)
            paths.add(
                "/ko/staff/?" + urllib.parse.urlencode({k: v for k, v in params.items() if v})
            )
        self.stale()
        cookie = "; ".join(f"{k}={v}" for k, v in cookies.items())
        script = f'wrk.headers["Cookie"] = "{cookie}"\n' + self.random_script(sorted(paths))
        return self.wrk(base + "/ko/staff/", scripts=(script, script), connections=2)

    def worker_rss(self, master_pid):
        children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
        rss = {}
        for pid in children:
            status = Path(f"/proc/{pid}/status").read_text()
            rss[int(pid)] = int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024
        return rss

    # Reporting

    def report(self, rows, queries, rss):
        vendor = "PostgreSQL" if "postgres" in self.env["DATABASE_URL"] else "SQLite"
        o = self.options
        self.stdout.write(
            f"\n{vendor}, scale {o['scale']}: gunicorn {o['workers']} workers x "
            f"{o['gunicorn_threads']} threads"
            + (f" (+ {o['staff_workers']} for /staff/)" if o["staff_workers"] else "")
            + (f", public ones at nice {o['public_nice']}" if o["public_nice"] else "")
            + f", wrk {o['threads']} threads x {o['connections']} "
            f"connections ({o['staff_connections']} for the staff update alone), "
            f"{o['duration']} s each; random distinct URLs after a "
            f"{'broad write' if o['broad_write'] else 'status update'} unless 'cached'; "
            "load: the 1-minute load average at the end of the run\n"
        )
        header = (
            f"{'run':<20} {'queries':>7} {'p50 ms':>8} {'p95 ms':>8} {'req/s':>8} {'errors':>6}"
            f" {'load':>5}  {'target':<36} verdict"
        )
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        results = []
        for name, kind, page, baseline, extra in rows:
            target, ok = self.verdict(kind, page, baseline, extra)
            self.line(name, queries.get(name, ""), page, target, ok)
            if "writer" in extra:
                writer = extra["writer"]
                writer_ok = writer["p95_ms"] <= TARGET_P95_MS["staff"] and not writer["errors"]
                self.line("  its writes", "", writer, "writer p95 <= 50 ms", writer_ok)
            if "kinds" in extra:
                kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(extra["kinds"].items()))
                self.stdout.write(
                    f"  {sum(extra['kinds'].values())} distinct searches ({kinds}), "
                    f"half for the warm-up; "
                    + (
                        "none asked for twice"
                        if extra["distinct"]
                        else "more requests than searches: some were cached"
                    )
                )
            if kind == "export":
                d, sampled = extra["after_write"], extra["sampled"]
                self.stdout.write(
                    f"  right after a write: first byte {d['first_byte_ms']:.0f} ms, "
                    f"all {d['bytes']:,} bytes {d['total_ms']:.0f} ms; "
                    f"{sampled['downloads']} single downloads: first byte "
                    f"p50 {sampled['first_byte_p50_ms']:.1f} ms, "
                    f"p95 {sampled['first_byte_p95_ms']:.1f} ms (static file: p95 "
                    f"{baseline['first_byte_p95_ms']:.1f} ms); file behind the record "
                    f"by at most {sampled['revisions_behind_max']} revisions, "
                    f"{sampled['seconds_behind_max']:.1f} s"
                )
            results.append(
                {
                    "name": name,
                    "kind": kind,
                    "queries": queries.get(name),
                    "page": page,
                    "baseline": baseline,
                    "meets_target": ok,
                    **extra,
                }
            )
        worst = max(rss.values())
        self.stdout.write(
            f"\nworker RSS: {', '.join(f'{v:.0f}' for v in rss.values())} MB "
            f"(max {worst:.0f} MB, target <= {TARGET_RSS_MB} MB: "
            f"{'meets target' if worst <= TARGET_RSS_MB else 'MISSES target'})"
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
                                "gunicorn_threads",
                                "staff_workers",
                                "public_nice",
                                "scale",
                                "broad_write",
                            )
                        },
                        "results": results,
                        "worker_rss_mb": list(rss.values()),
                    },
                    indent=2,
                )
            )

    def line(self, name, queries, figures, target, ok):
        self.stdout.write(
            f"{name:<20} {queries:>7} {figures['p50_ms']:>8.1f} {figures['p95_ms']:>8.1f} "
            f"{figures['rps']:>8.0f} {figures['errors']:>6} {figures.get('load', 0):>5.1f}  "
            f"{target:<36} "
            f"{'meets target' if ok else 'MISSES target'}"
        )

    @staticmethod
    def verdict(kind, page, baseline, extra):
        """The issue's target for this run, in words, and whether the figures meet it."""
        clean = page["errors"] == 0 and page["requests"] > 0  # no answer in time is no pass
        if kind in TARGET_P95_MS:
            limit = TARGET_P95_MS[kind]
            return f"p95 <= {limit:.0f} ms", clean and page["p95_ms"] <= limit
        if kind == "cached":
            ratio = page["rps"] / baseline["rps"]
            return f">= 0.5x static ({ratio:.2f}x)", clean and ratio >= TARGET_RATIO
        if kind == "flood":
            if baseline is None:
                return "p95 <= 2x unflooded (n/a)", clean
            slower = page["p95_ms"] / baseline["p95_ms"]
            return f"p95 <= 2x unflooded ({slower:.1f}x)", clean and slower <= 2
        ratio = page["rps"] / baseline["rps"]  # an export file
        first = extra["sampled"]["first_byte_p95_ms"]
        return (
            f"1st byte <= 20 ms, >= 0.5x static (p95 {first:.0f} ms, {ratio:.2f}x)",
            clean and first <= 20 and ratio >= TARGET_RATIO,
        )
