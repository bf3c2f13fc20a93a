"""Soak benchmark: the real daemon polling 1,000 local feeds every minute while a reader polls it.
Prints figures, asserts nothing; exits 1 only when the daemon did not come up or did not exit 0.

Usage (from the project root; `make soak` runs exactly this):

    .venv/bin/python benchmarks/soak.py [--duration 180] [--sources 1000] [--hosts 8]

1. An upstream in a process of its own: one aiohttp server on each of 127.0.0.2 ... 127.0.0.9
   (all loopback on Linux; separate hosts, so per_host_limit and host_delay act as on the
   real web). Every source is its own small RSS 2.0 feed; each request is answered after a
   random 50-300 ms; each feed gains an item every 2-10 minutes (per source, random phase),
   so some fetches bring new items. 60% of the feeds send ETag and Last-Modified, 20%
   Last-Modified only, 20% no validators (a 200 with the same bytes: "unchanged").
2. The real CLI in subprocesses, with a temporary data dir and AGGREGATOR_* settings
   (AGGREGATOR_ALLOW_PRIVATE_NETWORKS=true, AGGREGATOR_HOST_DELAY=0.05, everything else at
   its default): `python -m aggregator sources import catalog.toml` (every source
   `every = "1m"`, the minimum), then `python -m aggregator run`.
3. A reader polling http://127.0.0.1:PORT/feeds/all.rss for the whole run, pausing
   --reader-pause between requests, sending If-None-Match with the last ETag half of the time
   and Accept-Encoding: gzip half of the time, as feed readers do.
4. The daemon's VmRSS (and that of its parse processes) sampled from /proc every few seconds.
5. After --duration seconds (counted from the daemon's start): SIGTERM, wait for the exit,
   then read the fetch_log table of the database with sqlite3 and print the figures.

Only 127.0.0.0/8 is ever contacted. Every loop is bounded in time and count.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import http.client
import json
import math
import multiprocessing
import os
import random
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from report import table  # benchmarks/report.py (scripts run from benchmarks/ on sys.path)
from collections import Counter
from datetime import datetime, timezone
from email.utils import formatdate, parsedate_to_datetime
from html import escape
from pathlib import Path

INTERVAL = 60  # every = "1m"
JITTER = 0.10  # policy.JITTER_SHARE: the next fetch is the interval +-10%
CATEGORIES = {"shizheng": "时政要闻", "fanfu": "反腐纪实", "difang": "地方动态", "lilun": "理论学习", "guoji": "国际",
              "jingji": "经济", "shehui": "社会", "wenhua": "文化", "keji": "科技", "tiyu": "体育"}


# ---------------------------------------------------------------------------------------------
# The upstream (runs in a child process, so its work never competes with the reader's timing)


class Feeds:
    """Source n: a feed whose newest item number grows by one every period_n seconds."""

    def __init__(self, sources: int, items: int, seed: int, t0: float, change: tuple[float, float]) -> None:
        rng = random.Random(seed)
        self.items = items
        self.t0 = t0
        self.period = [rng.uniform(*change) for _ in range(sources)]
        self.phase = [rng.uniform(0, p) for p in self.period]
        self._cache: dict[int, tuple[int, bytes, str, str, float]] = {}

    def newest(self, n: int, now: float) -> int:
        """Number of source n's newest item at `now`."""
        return math.floor((now - self.t0 + self.phase[n]) / self.period[n])

    def published(self, n: int, k: int) -> float:
        """When item k of source n appeared."""
        return self.t0 - self.phase[n] + k * self.period[n]

    def document(self, n: int, host: str, now: float) -> tuple[bytes, str, str, float]:
        """(body, etag, last-modified, last-modified as epoch seconds) of source n at `now`."""
        k = self.newest(n, now)
        cached = self._cache.get(n)
        if cached is not None and cached[0] == k:
            return cached[1:]
        rows = ['<?xml version="1.0" encoding="utf-8"?>',
                '<rss version="2.0"><channel>',
                f"<title>测试源 {n}</title><link>http://{host}/news/{n}/</link><description>soak</description>"]
        for j in range(k, k - self.items, -1):
            link = f"http://{host}/news/{n}/{j}.html"
            text = escape(f"<p>第{j}条:中央纪委国家监委网站消息,近日召开会议,强调推进全面从严治党,"
                          f"加强基层监督,服务高质量发展。源{n}。</p><p>记者报道。</p>")
            rows.append(f"<item><title>源{n}的第{j}条新闻</title><link>{link}</link><guid>{link}</guid>"
                        f"<pubDate>{formatdate(self.published(n, j), usegmt=True)}</pubDate>"
                        f"<description>{text}</description></item>")
        rows.append("</channel></rss>")
        body = "\n".join(rows).encode("utf-8")
        modified = math.floor(self.published(n, k))
        entry = (k, body, f'"s{n}-{k}"', formatdate(modified, usegmt=True), float(modified))
        self._cache[n] = entry
        return entry[1:]


class HostStats:
    """What one upstream host saw: requests, statuses, connections in flight, gaps between requests."""

    def __init__(self) -> None:
        self.requests = 0
        self.status: Counter = Counter()
        self.inflight = 0
        self.max_inflight = 0
        self.last: float | None = None
        self.gaps: list[float] = []
        self.bytes = 0
        self.arrivals: list[float] = []  # wall-clock times, to count requests after SIGTERM

    def as_dict(self, host_delay: float) -> dict:
        gaps = sorted(self.gaps)
        return {"requests": self.requests, "status": dict(self.status), "max_inflight": self.max_inflight,
                "short_gaps": sum(1 for g in gaps if g < 0.9 * host_delay),
                "min_gap": gaps[0] if gaps else None, "p1_gap": gaps[len(gaps) // 100] if gaps else None,
                "bytes": self.bytes, "arrivals": self.arrivals}


def upstream_main(conn, hosts: list[str], sources: int, items: int, seed: int, t0: float,
                  latency: tuple[float, float], change: tuple[float, float], host_delay: float) -> None:
    """Child process: serve the feeds on every host until told to stop; send back the stats."""
    from aiohttp import web

    feeds = Feeds(sources, items, seed, t0, change)
    stats = {h: HostStats() for h in hosts}
    rng = random.Random(seed + 1)

    def handler_for(host: str):
        st = stats[host]

        async def handle(request: web.Request) -> web.StreamResponse:
            arrived = time.monotonic()
            st.requests += 1
            st.arrivals.append(time.time())
            if st.last is not None:
                st.gaps.append(arrived - st.last)
            st.last = arrived
            st.inflight += 1
            st.max_inflight = max(st.max_inflight, st.inflight)
            try:
                await asyncio.sleep(rng.uniform(*latency))
                try:
                    n = int(request.match_info["n"])
                except ValueError:
                    n = -1
                if not 0 <= n < sources or hosts[n % len(hosts)] != host:
                    st.status[404] += 1
                    return web.Response(status=404, text="no such feed\n")
                body, etag, modified, modified_ts = feeds.document(n, host, time.time())
                mode = n % 10  # 0-5: ETag and Last-Modified; 6-7: Last-Modified only; 8-9: none
                headers = {}
                if mode < 6:
                    headers["ETag"] = etag
                if mode < 8:
                    headers["Last-Modified"] = modified
                inm, ims = request.headers.get("If-None-Match"), request.headers.get("If-Modified-Since")
                fresh = False
                if mode < 6 and inm is not None:
                    fresh = etag in {t.strip() for t in inm.split(",")}
                elif mode < 8 and ims:
                    try:
                        fresh = parsedate_to_datetime(ims).timestamp() >= modified_ts
                    except (TypeError, ValueError, IndexError):
                        fresh = False
                if fresh:
                    st.status[304] += 1
                    return web.Response(status=304, headers=headers)
                st.status[200] += 1
                st.bytes += len(body)
                return web.Response(body=body, headers=headers | {"Content-Type": "application/rss+xml; charset=utf-8"})
            finally:
                st.inflight -= 1

        return handle

    async def main() -> None:
        runners, ports = [], {}
        for host in hosts:
            app = web.Application()
            app.router.add_get("/feeds/{n}.xml", handler_for(host))
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            sock = socket.socket()
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((host, 0))
            ports[host] = sock.getsockname()[1]
            await web.SockSite(runner, sock, backlog=512).start()
            runners.append(runner)
        conn.send(ports)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        threading.Thread(target=lambda: (conn.recv(), loop.call_soon_threadsafe(stop.set)), daemon=True).start()
        await stop.wait()
        for runner in runners:
            await runner.cleanup()
        conn.send({h: s.as_dict(host_delay) for h, s in stats.items()})

    asyncio.run(main())


# ---------------------------------------------------------------------------------------------
# The reader and the memory sampler (threads of this process)


class Reader(threading.Thread):
    """Polls /feeds/all.rss like a feed reader until stopped, recording status and latency."""

    def __init__(self, port: int, pause: float, deadline: float, seed: int) -> None:
        super().__init__(daemon=True)
        self.port, self.pause, self.deadline = port, pause, deadline
        self.max_requests = int((deadline - time.monotonic()) / max(pause, 0.01)) + 100
        self.rng = random.Random(seed)
        self.stop = threading.Event()
        self.status: Counter = Counter()
        self.latencies: list[float] = []
        self.errors: Counter = Counter()
        self.slowest: list[tuple[float, float]] = []  # (latency, seconds since the reader started)
        self.etags: set[str] = set()
        self.when: dict = {}  # status other than 200/304 -> [first, last] seconds since the reader started

    def run(self) -> None:
        etag = None
        started = time.monotonic()
        while not self.stop.is_set() and time.monotonic() < self.deadline and len(self.latencies) < self.max_requests:
            headers = {"User-Agent": "soak-reader/1.0"}
            conditional = etag is not None and self.rng.random() < 0.5
            if conditional:
                headers["If-None-Match"] = etag
            if self.rng.random() < 0.5:
                headers["Accept-Encoding"] = "gzip"
            t0 = time.perf_counter()
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                try:
                    conn.request("GET", "/feeds/all.rss", headers=headers)
                    resp = conn.getresponse()
                    body = resp.read()
                finally:
                    conn.close()
                took = time.perf_counter() - t0
                self.latencies.append(took)
                self.slowest.append((took, time.monotonic() - started))
                self.status[resp.status] += 1
                if resp.status not in (200, 304):
                    self._note(resp.status, time.monotonic() - started)
                if resp.status == 200:
                    if resp.getheader("Content-Encoding") == "gzip":
                        body = gzip.decompress(body)
                    if not (body.startswith(b"<?xml") and body.rstrip().endswith(b"</rss>")):
                        self.errors["200 with an incomplete or non-RSS body"] += 1
                    etag = resp.getheader("ETag") or etag
                    if etag:
                        self.etags.add(etag)
                elif resp.status == 304 and not conditional:
                    self.errors["304 to an unconditional request"] += 1
            except (OSError, http.client.HTTPException, EOFError) as exc:
                took = time.perf_counter() - t0
                self.latencies.append(took)
                self.status["error"] += 1
                self._note("error", time.monotonic() - started)
                self.errors[f"{type(exc).__name__}: {exc}"[:80]] += 1
            self.stop.wait(self.pause)

    def _note(self, status, at: float) -> None:
        span = self.when.setdefault(status, [at, at])
        span[1] = at


def descendants(pid: int) -> list[int]:
    """Every live descendant of `pid` (the parse pool's forkserver and workers), from /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    out, frontier = [], {pid}
    for _ in range(8):
        frontier = {p for p, parent in parents.items() if parent in frontier}
        if not frontier:
            break
        out.extend(frontier)
    return out


def status_kb(pid: int, field: str) -> int | None:
    """A `kB` field (VmRSS) or a count (Threads) from /proc/PID/status."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


class MemorySampler(threading.Thread):
    """VmRSS of the daemon (and of the daemon plus its parse processes), threads and open fds."""

    def __init__(self, pid: int, every: float, deadline: float) -> None:
        super().__init__(daemon=True)
        self.pid, self.every, self.deadline = pid, every, deadline
        self.stop = threading.Event()
        self.samples: list[tuple[float, int, int, int, int]] = []  # (t, rss kB, tree rss kB, threads, fds)
        self.t0 = time.monotonic()

    def run(self) -> None:
        while not self.stop.is_set() and time.monotonic() < self.deadline:
            rss = status_kb(self.pid, "VmRSS")
            if rss is None:
                break  # the daemon is gone
            tree = rss + sum(status_kb(p, "VmRSS") or 0 for p in descendants(self.pid))
            try:
                fds = len(os.listdir(f"/proc/{self.pid}/fd"))
            except OSError:
                fds = -1
            self.samples.append((time.monotonic() - self.t0, rss, tree, status_kb(self.pid, "Threads") or 0, fds))
            self.stop.wait(self.every)


# ---------------------------------------------------------------------------------------------
# Helpers


def pct(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) of `values`; nan when empty."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(port: int, path: str, timeout: float = 5) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def epoch(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).replace(tzinfo=timezone.utc).timestamp()


def write_catalog(path: Path, urls: list[str]) -> None:
    """The feeds/ TOML format (README, "The source catalog"), every source every = "1m"."""
    slugs = list(CATEGORIES)
    lines = []
    for slug, name in CATEGORIES.items():
        lines += [f"[categories.{slug}]", f'name = "{name}"', ""]
    for n, url in enumerate(urls):
        lines += ["[[sources]]", f'url = "{url}"', f'category = "{slugs[n % len(slugs)]}"',
                  f'name = "测试源{n}"', 'kind = "feed"', f'every = "{INTERVAL // 60}m"', ""]
    path.write_text("\n".join(lines), encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# The run


def main(argv: list[str] | None = None) -> int:
    """Parse the options, run the soak in a temporary directory, print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--duration", type=float, default=180,
                    help="seconds from the daemon's start to SIGTERM (default 180)")
    ap.add_argument("--sources", type=int, default=1000, help="sources, all every = 1m (default 1000)")
    ap.add_argument("--hosts", type=int, default=8, help="loopback hosts 127.0.0.2 ... (1-8, default 8)")
    ap.add_argument("--items", type=int, default=5, help="items in each upstream feed (default 5)")
    ap.add_argument("--latency", default="0.05,0.3", help="upstream latency range in seconds (default 0.05,0.3)")
    ap.add_argument("--change", default="120,600",
                    help="each feed gains an item every this many seconds, drawn per source (default 120,600)")
    ap.add_argument("--host-delay", type=float, default=0.05, help="AGGREGATOR_HOST_DELAY (default 0.05)")
    ap.add_argument("--reader-pause", type=float, default=0.25, help="reader pause between requests (default 0.25)")
    ap.add_argument("--sample-every", type=float, default=3.0, help="seconds between memory samples (default 3)")
    ap.add_argument("--slack", type=float, default=5.0, help="seconds of slack in the lateness check (default 5)")
    ap.add_argument("--set", dest="settings", action="append", default=[], metavar="KEY=VALUE",
                    help="another daemon setting, e.g. --set parse_workers=1 (repeatable)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", action="store_true", help="keep the temporary data dir and the daemon's log")
    args = ap.parse_args(argv)
    if not 1 <= args.hosts <= 8:
        ap.error("--hosts must be between 1 and 8 (127.0.0.2 ... 127.0.0.9)")
    if not 10 <= args.duration <= 24 * 3600:
        ap.error("--duration must be between 10 seconds and a day")
    if not 1 <= args.sources <= 100_000:
        ap.error("--sources must be between 1 and 100000")
    if args.reader_pause < 0.01 or args.sample_every < 0.1:
        ap.error("--reader-pause must be at least 0.01 s and --sample-every at least 0.1 s")
    try:
        args.latency = tuple(float(x) for x in args.latency.split(","))
        args.change = tuple(float(x) for x in args.change.split(","))
        if len(args.latency) != 2 or len(args.change) != 2 or min(args.latency) < 0 or min(args.change) <= 0:
            raise ValueError
    except ValueError:
        ap.error("--latency and --change take two numbers: LOW,HIGH")

    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at start")
    tmp = Path(tempfile.mkdtemp(prefix="aggregator-soak-"))
    try:
        return soak(args, tmp)
    finally:
        if args.keep:
            print(f"\nkept {tmp} (data/, daemon.log, catalog.toml)")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
        print(f"load average {os.getloadavg()[0]:.2f} at the end")


def soak(args: argparse.Namespace, tmp: Path) -> int:
    """Upstream, import, daemon, reader, sampler; SIGTERM; the figures. 1 when the daemon misbehaved."""
    hosts = [f"127.0.0.{2 + i}" for i in range(args.hosts)]
    mp = multiprocessing.get_context("spawn")
    parent_conn, child_conn = mp.Pipe()
    upstream = mp.Process(target=upstream_main, daemon=True,
                          args=(child_conn, hosts, args.sources, args.items, args.seed, time.time(), args.latency,
                                args.change, args.host_delay))
    upstream.start()
    daemon: subprocess.Popen | None = None
    try:
        if not parent_conn.poll(60):
            print("error: the upstream did not start")
            return 1
        ports = parent_conn.recv()
        urls = [f"http://{hosts[n % len(hosts)]}:{ports[hosts[n % len(hosts)]]}/feeds/{n}.xml"
                for n in range(args.sources)]
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("AGGREGATOR_")} | {
            "AGGREGATOR_DATA_DIR": str(tmp / "data"),
            "AGGREGATOR_ALLOW_PRIVATE_NETWORKS": "true",
            "AGGREGATOR_BASE_URL": f"http://127.0.0.1:{port}/",
            "AGGREGATOR_HOST_DELAY": str(args.host_delay),
        }
        for setting in args.settings:
            key, _, value = setting.partition("=")
            env[f"AGGREGATOR_{key.strip().upper()}"] = value
        cmd = [sys.executable, "-m", "aggregator"]
        config = settings_as_the_daemon_sees_them(env, tmp)
        describe(args, hosts, config)

        write_catalog(tmp / "catalog.toml", urls)
        t = time.perf_counter()
        imported = subprocess.run([*cmd, "sources", "import", str(tmp / "catalog.toml")], cwd=tmp, env=env,
                                  capture_output=True, text=True, timeout=300)
        print(f"sources import: exit {imported.returncode} in {time.perf_counter() - t:.1f} s: "
              f"{(imported.stdout or imported.stderr).strip()}")
        if imported.returncode != 0:
            return 1

        log_path = tmp / "daemon.log"
        with open(log_path, "w", encoding="utf-8") as log_file:
            started_wall, started = time.time(), time.monotonic()
            deadline = started + args.duration
            daemon = subprocess.Popen([*cmd, "run", "--host", "127.0.0.1", "--port", str(port)], cwd=tmp,
                                      env=env, stdout=log_file, stderr=subprocess.STDOUT)
        sampler = MemorySampler(daemon.pid, args.sample_every, deadline + 120)
        sampler.start()
        ready_after = None
        while time.monotonic() < min(deadline, started + 60) and daemon.poll() is None:
            try:
                if get(port, "/healthz", timeout=2)[0] == 200:
                    ready_after = time.monotonic() - started
                    break
            except OSError:
                pass
            time.sleep(0.1)
        reader, health_end = None, None
        if ready_after is not None:
            print(f"daemon pid {daemon.pid} ready (/healthz 200) {ready_after:.1f} s after start; running "
                  f"{args.duration:g} s in all; reader polls /feeds/all.rss every {args.reader_pause:g} s", flush=True)
            reader = Reader(port, args.reader_pause, deadline, args.seed + 2)
            reader.start()
            while time.monotonic() < deadline and daemon.poll() is None:
                time.sleep(min(1.0, max(0.0, deadline - time.monotonic())))
            reader.stop.set()
            reader.join(timeout=30)
            try:
                health_end = json.loads(get(port, "/healthz", timeout=10)[1])
            except (OSError, ValueError) as exc:
                health_end = {"error": str(exc)}
        else:
            print(f"error: the daemon did not answer /healthz within 60 s (exit code {daemon.poll()})")

        stopped_wall, stopped = time.time(), time.monotonic()
        early_exit = daemon.poll()
        if early_exit is None:
            daemon.send_signal(signal.SIGTERM)
        try:
            code = daemon.wait(timeout=config.shutdown_grace + 60)
        except subprocess.TimeoutExpired:
            daemon.kill()
            code = daemon.wait(timeout=30)
            print(f"error: the daemon did not exit within {config.shutdown_grace + 60:g} s of SIGTERM; killed")
        stop_seconds = time.monotonic() - stopped
        sampler.stop.set()
        sampler.join(timeout=30)
        parent_conn.send("stop")
        upstream_stats = parent_conn.recv() if parent_conn.poll(30) else {}
        report(args, tmp, reader, sampler, upstream_stats, health_end, started_wall, stopped_wall, log_path,
               early_exit, code, stop_seconds)
        return 0 if code == 0 and early_exit is None and ready_after is not None else 1
    finally:
        if daemon is not None and daemon.poll() is None:  # interrupted: leave nothing running
            daemon.kill()
            daemon.wait(timeout=30)
        if upstream.is_alive():
            upstream.terminate()
        upstream.join(timeout=30)


def settings_as_the_daemon_sees_them(env: dict[str, str], cwd: Path):
    """The Config the daemon builds from `env` in `cwd` (no aggregator.toml there), for the arithmetic."""
    from aggregator.config import load_config

    here = os.getcwd()
    os.chdir(cwd)
    try:
        return load_config(env=env)
    finally:
        os.chdir(here)


def describe(args: argparse.Namespace, hosts: list[str], config) -> None:
    """The set-up, and whether 125 sources per host fit in one interval under host_delay and the limits."""
    latency, change = args.latency, args.change
    per_host = math.ceil(args.sources / len(hosts))
    mean_latency = sum(latency) / 2
    print(f"upstream: {args.sources} RSS feeds of {args.items} items on {len(hosts)} loopback hosts "
          f"({hosts[0]} ... {hosts[-1]}, {per_host} sources per host), latency {latency[0]:g}-{latency[1]:g} s, "
          f"a new item every {change[0]:g}-{change[1]:g} s per feed")
    print(f"daemon settings: every = 1m for all, host_delay {config.host_delay:g} s, per_host_limit "
          f"{config.per_host_limit}, max_concurrency {config.max_concurrency}, sync_interval "
          f"{config.sync_interval:g} s, publish_delay {config.publish_delay:g} s, parse_workers "
          f"{config.parse_workers or os.cpu_count()}, shutdown_grace {config.shutdown_grace:g} s"
          + (f" (set: {', '.join(args.settings)})" if args.settings else ""))
    pacing = per_host * config.host_delay
    conns = per_host * mean_latency / config.per_host_limit
    overall = args.sources * mean_latency / config.max_concurrency
    worst = max(pacing, conns, overall)
    print(f"capacity per {INTERVAL} s interval: host_delay pacing {per_host} x {config.host_delay:g} s = "
          f"{pacing:.1f} s per host; per_host_limit {per_host} x {mean_latency:.3f} s / {config.per_host_limit} = "
          f"{conns:.1f} s per host; max_concurrency {args.sources} x {mean_latency:.3f} s / "
          f"{config.max_concurrency} = {overall:.1f} s overall -> {'fits' if worst < INTERVAL else 'DOES NOT FIT'} "
          f"in {INTERVAL} s (the bottleneck uses {100 * worst / INTERVAL:.0f}% of an interval)")


def report(args, tmp: Path, reader: Reader | None, sampler: MemorySampler, upstream_stats: dict,
           health_end: dict | None, started_wall: float, stopped_wall: float, log_path: Path,
           early_exit: int | None, code: int, stop_seconds: float) -> None:
    """Print every figure."""
    ms = lambda s: f"{s * 1000:.0f} ms"  # noqa: E731
    # Reader
    print("\nreader (GET /feeds/all.rss, new connection each, half conditional, half gzip):")
    if reader is None:
        print("  never started")
    else:
        lat = reader.latencies
        st = reader.status
        other = sum(v for k, v in st.items() if k not in (200, 304))
        print(f"  requests {len(lat)}: 200 x {st.get(200, 0)}, 304 x {st.get(304, 0)}, other {other} "
              f"({', '.join(f'{k} x {v}' for k, v in st.items() if k not in (200, 304)) or 'none'}); "
              f"{len(reader.etags)} distinct ETags of all.rss seen")
        for status, (first, last) in reader.when.items():
            print(f"  {status}: from +{first:.1f} s to +{last:.1f} s after the reader started")
        print(f"  latency p50 {ms(pct(lat, 50))}, p95 {ms(pct(lat, 95))}, p99 {ms(pct(lat, 99))}, "
              f"max {ms(max(lat) if lat else float('nan'))}")
        slow = sorted(reader.slowest, reverse=True)[:5]
        if slow:
            print("  slowest: " + ", ".join(f"{ms(a)} at +{b:.0f} s" for a, b in slow))
        print(f"  errors {sum(reader.errors.values())}" + (": " + "; ".join(f"{k} x {v}" for k, v in
                                                                             reader.errors.most_common(5))
                                                         if reader.errors else ""))

    # Upstream
    if upstream_stats:
        rows = []
        for host, s in upstream_stats.items():
            rows.append([host, s["requests"], s["status"].get(200, 0), s["status"].get(304, 0),
                         sum(v for k, v in s["status"].items() if k not in (200, 304)), s["max_inflight"],
                         f"{s['min_gap'] * 1000:.1f}" if s["min_gap"] is not None else "-",
                         f"{s['p1_gap'] * 1000:.1f}" if s["p1_gap"] is not None else "-", s["short_gaps"]])
        short = sum(s["short_gaps"] for s in upstream_stats.values())
        gaps = sum(max(0, s["requests"] - 1) for s in upstream_stats.values())
        print("\nupstream (as the servers saw it; in flight = requests being answered at once, the daemon's "
              "per_host_limit should cap it; gap = between two request arrivals at one host, host_delay should "
              "floor it):")
        table(["host", "requests", "200", "304", "other", "max in flight", "min gap ms", "p1 gap ms",
               f"gaps < {0.9 * args.host_delay * 1000:.0f} ms"], rows)
        print(f"  {short} of {gaps} gaps ({100 * short / max(gaps, 1):.1f}%) shorter than 90% of host_delay "
              f"({args.host_delay:g} s)")
        after = sum(1 for s in upstream_stats.values() for at in s["arrivals"] if at > stopped_wall)
        print(f"  requests that arrived after SIGTERM: {after}")

    # Database
    db_path = tmp / "data" / "aggregator.db"
    print("\ndatabase (fetch_log, read with sqlite3 after the daemon stopped):")
    if not db_path.exists():
        print("  no database")
    else:
        db = sqlite3.connect(str(db_path))
        try:
            analyse(db, args, started_wall, stopped_wall)
        finally:
            db.close()

    if health_end:
        print(f"\n/healthz just before SIGTERM: sources {health_end.get('sources')}, articles "
              f"{health_end.get('articles')}, fetches running {health_end.get('fetches_running')}, "
              f"last publish {health_end.get('last_publish_at')}" + (f", error {health_end['error']}"
                                                                     if "error" in health_end else ""))

    # Memory
    samples = sampler.samples
    print(f"\ndaemon memory (/proc/PID/status every {args.sample_every:g} s, {len(samples)} samples):")
    if samples:
        peak = max(samples, key=lambda s: s[1])
        peak_tree = max(s[2] for s in samples)
        print(f"  VmRSS max {peak[1] / 1024:.1f} MB (at +{peak[0]:.0f} s); with its parse processes max "
              f"{peak_tree / 1024:.1f} MB; threads max {max(s[3] for s in samples)}, open fds max "
              f"{max(s[4] for s in samples)}")
        marks = []
        step = max(1, len(samples) // 8)
        for s in samples[::step] + ([samples[-1]] if (len(samples) - 1) % step else []):
            marks.append(f"+{s[0]:.0f}s {s[1] / 1024:.0f}")
        print("  VmRSS MB over time: " + ", ".join(marks))
        later = [s for s in samples if s[0] >= min(70.0, samples[-1][0] / 2)]
        if len(later) >= 2:
            growth = (later[-1][1] - later[0][1]) / 1024
            span = later[-1][0] - later[0][0]
            print(f"  growth after the first fetch round: {growth:+.1f} MB over {span:.0f} s "
                  f"(+{later[0][0]:.0f} s .. +{later[-1][0]:.0f} s)")

    # Log
    levels: Counter = Counter()
    notable: list[str] = []
    tracebacks = 0
    with open(log_path, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            parts = line.split(" ", 3)
            if len(parts) >= 3 and parts[2] in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
                levels[parts[2]] += 1
                if parts[2] in ("WARNING", "ERROR", "CRITICAL") and len(notable) < 8:
                    notable.append(line.rstrip()[:200])
                if " stopping: " in line or " stopped" in line:
                    notable.append(line.rstrip()[:200])
            elif line.startswith("Traceback"):
                tracebacks += 1
    print(f"\ndaemon log: {sum(levels.values())} lines ({', '.join(f'{k} {v}' for k, v in sorted(levels.items()))}), "
          f"{tracebacks} tracebacks")
    for line in notable:
        print(f"  {line}")
    if early_exit is not None:
        print(f"\ndaemon exit code: {early_exit} -- it EXITED BY ITSELF before SIGTERM")
    else:
        print(f"\ndaemon exit code after SIGTERM: {code} ({'ok' if code == 0 else 'expected 0'}), "
              f"stopped in {stop_seconds:.1f} s")


def analyse(db: sqlite3.Connection, args, started_wall: float, stopped_wall: float) -> None:
    """Fetches done, never fetched, lateness; from fetch_log and sources."""
    rows = db.execute("select source_id, at, result, ms, new, error from fetch_log order by id").fetchall()
    sources = [r[0] for r in db.execute("select id from sources where enabled = 1 order by id")]
    results = Counter(r[2] for r in rows)
    print(f"  fetches done {len(rows)} ({', '.join(f'{k} {v}' for k, v in results.most_common())}); "
          f"new articles {sum(r[4] or 0 for r in rows)}; articles in the database "
          f"{db.execute('select count(*) from articles').fetchone()[0]}")
    fetch_ms = [r[3] for r in rows if r[3] is not None]
    if fetch_ms:
        print(f"  fetch time as logged (ms, request only): p50 {pct(fetch_ms, 50):.0f}, p95 {pct(fetch_ms, 95):.0f}, "
              f"max {max(fetch_ms)}")
    errors = Counter(r[5] for r in rows if r[5])
    if errors:
        print("  fetch errors: " + "; ".join(f"{e} x {n}" for e, n in errors.most_common(5)))
    statuses = Counter(r[0] for r in db.execute("select status from sources"))
    print(f"  source status at the end: {dict(statuses)}")

    per_source: dict[int, list[float]] = {s: [] for s in sources}
    for source_id, at, *_ in rows:
        if source_id in per_source:
            per_source[source_id].append(epoch(at))
    never = [s for s, ats in per_source.items() if not ats]
    counts = [len(ats) for ats in per_source.values()]
    print(f"  sources {len(sources)}; never fetched {len(never)}" +
          (f" (e.g. {', '.join(map(str, never[:10]))})" if never else "") +
          f"; attempts per source min {min(counts, default=0)}, median "
          f"{statistics.median(counts) if counts else 0:g}, max {max(counts, default=0)} "
          f"(about {args.duration / INTERVAL:.1f} expected)")

    allowed = INTERVAL * (1 + JITTER)
    start, stop = math.floor(started_wall), stopped_wall
    lateness: dict[int, float] = {}
    all_gaps: list[float] = []
    for s, ats in per_source.items():
        truncated = len(ats) >= 100  # fetch_log keeps a source's last 100 attempts
        points = ([] if truncated else [start]) + ats
        gaps = [b - a for a, b in zip(points, points[1:])]
        all_gaps.extend(gaps[0 if truncated else 1:])
        tail = stop - (ats[-1] if ats else start)  # the open gap up to SIGTERM: a lower bound
        lateness[s] = max(gaps + [tail], default=tail) - allowed
    late = sorted((s for s, v in lateness.items() if v > args.slack), key=lambda s: -lateness[s])
    very_late = [s for s in late if lateness[s] > INTERVAL]
    print(f"  lateness, defined: a source's attempts at t1 < t2 < ... (fetch_log.at, the end of each attempt, "
          f"1 s resolution); its gaps are t1 - start (the daemon's launch), t(i+1) - t(i), and SIGTERM - t(last) "
          f"(a lower bound); its lateness is max(gap) - {allowed:.0f} s (interval {INTERVAL} s + {JITTER:.0%} jitter, "
          f"the latest its schedule allows).")
    print(f"  late (lateness > slack {args.slack:g} s, i.e. a gap over {allowed + args.slack:.0f} s): {len(late)} "
          f"sources; more than one interval late (lateness > {INTERVAL} s, a gap over {allowed + INTERVAL:.0f} s; "
          f"target 0): {len(very_late)}")
    worst = max(lateness.items(), key=lambda kv: kv[1], default=(None, float("nan")))
    print(f"  max lateness {worst[1]:+.1f} s (source {worst[0]})" +
          ("; latest: " + ", ".join(f"{s} {lateness[s]:+.0f} s" for s in late[:8]) if late else ""))
    if all_gaps:
        print(f"  gaps between consecutive attempts (s): min {min(all_gaps):.0f}, p50 {pct(all_gaps, 50):.0f}, "
              f"p95 {pct(all_gaps, 95):.0f}, p99 {pct(all_gaps, 99):.0f}, max {max(all_gaps):.0f}")
    first = [ats[0] - start for ats in per_source.values() if ats]
    if first:
        print(f"  first attempt after the daemon's launch (s): p50 {pct(first, 50):.0f}, p95 {pct(first, 95):.0f}, "
              f"max {max(first):.0f}")


if __name__ == "__main__":
    sys.exit(main())
