"""The comparison benchmark: ingest, publish, extraction and serving, each beside a peer measured in
the same run (the `reader` library, trafilatura, bare feedparser, nginx), one table of medians and
ratios, written with the machine's description into benchmarks/README.md. Asserts nothing.

Run: make bench (or, from the project root, after `make bench` made .venv-bench once)

    .venv/bin/python benchmarks/compare.py [--feeds 500] [--rounds 3] [--latency 0.02]

1. Ingest. benchmarks/upstream.py serves K synthetic Chinese feeds on several loopback ports. Each
   round, on a fresh data dir: cold (every entry new), warm (every feed answers 304), then 5% of the
   feeds gain an entry. Ours is the `aggregator fetch` command as a user runs it (import, fetch,
   parse, store, fingerprint, publish, all counted), with per_host_limit 20 and no host delay;
   the peer is `reader` 3.26 (benchmarks/peer_reader.py, its own process, update_feeds with 1 and
   20 workers, the better median taken). Wall time and CPU (the process and its waited-for children).
2. CPU per new entry: the cold round's CPU over its new entries, beside bare feedparser.parse
   (defaults) on the same bytes in this process.
3. Publish: `aggregator publish` (everything) and publish_site for one category.
4. Page extraction over shared/corpora beside trafilatura.extract (benchmarks/extraction_speed.py).
5. Serving: `aggregator serve` and nginx (deploy/nginx.conf, when nginx is installed) on the same
   published folder, wrk (when installed) with 50 connections on /feeds/all.rss and one
   category's Atom feed, with and without If-None-Match.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from report import table  # noqa: E402
import upstream as synthetic  # noqa: E402
from proctree import DescendantCPU  # noqa: E402

AGGREGATOR = [sys.executable, "-m", "aggregator"]
PEER_PYTHON = ROOT / ".venv-bench" / "bin" / "python"
CATEGORIES = ("时政要闻", "反腐倡廉", "党建动态", "经济观察", "社会民生", "国际视野", "理论学习", "地方传真",
              "文化教育", "生态环境")
# The project as the issue measures it: per-host limit 20 (several feeds share each port), no host delay;
# max_concurrency 64: reader's best is 20 threads all at once; ours is one event loop, whose default of
# 16 requests in flight is for politeness, not a limit of the program.
OUR_ENV = {"AGGREGATOR_PER_HOST_LIMIT": "20", "AGGREGATOR_HOST_DELAY": "0", "AGGREGATOR_MAX_CONCURRENCY": "64",
           "AGGREGATOR_ALLOW_PRIVATE_NETWORKS": "true", "AGGREGATOR_LOG_LEVEL": "WARNING"}


@dataclass
class Run:
    """One timed process."""

    wall: float
    cpu: float
    rss_mb: float
    out: dict = field(default_factory=dict)


def measure(cmd: list[str], env: dict | None = None) -> Run:
    """Run `cmd` to completion: wall time; CPU of it, of what it reaped (wait4) and of the pool
    workers it never reaps (sampled from /proc: without them a cold round read less than half);
    its own peak RSS; and its stdout parsed when it is JSON."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    with DescendantCPU(proc.pid) as pool:
        out = proc.stdout.read()
        err = proc.stderr.read()
        _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed ({os.waitstatus_to_exitcode(status)}): {' '.join(map(str, cmd))}\n"
                         f"{err.decode()[-2000:]}")
    cpu = usage.ru_utime + usage.ru_stime + pool.seconds
    text = out.decode().strip()
    return Run(wall, cpu, usage.ru_maxrss / 1024, json.loads(text) if text.startswith("{") else {})


# ---------------------------------------------------------------------------------------------
# The upstream


class Upstream:
    """benchmarks/upstream.py in its own process."""

    def __init__(self, feeds: int, ports: int, latency: float) -> None:
        self.proc = subprocess.Popen([sys.executable, str(HERE / "upstream.py"), "--feeds", str(feeds),
                                      "--ports", str(ports), "--latency", str(latency)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        info = json.loads(self.proc.stdout.readline())
        self.urls: list[str] = info["urls"]
        self.control: str = info["control"]

    def call(self, action: str, **query: object) -> dict:
        qs = "&".join(f"{k}={v}" for k, v in query.items())
        req = urllib.request.Request(f"{self.control}/{action}" + (f"?{qs}" if qs else ""), method="POST")
        with urllib.request.urlopen(req, timeout=30) as resp:
            return json.loads(resp.read())

    def close(self) -> None:
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


# ---------------------------------------------------------------------------------------------
# 1. Ingest rounds


def catalog(urls: list[str], path: Path) -> None:
    """A source catalog (feeds/ format) spreading the feeds over the categories."""
    lines = []
    for i, name in enumerate(CATEGORIES):
        lines += [f'[categories.c{i}]', f'name = "{name}"', ""]
    for i, url in enumerate(urls):
        lines += ["[[sources]]", f'url = "{url}"', f'category = "c{i % len(CATEGORIES)}"', 'kind = "feed"', ""]
    path.write_text("\n".join(lines), encoding="utf-8")


ROUNDS = ("cold", "warm", "changed")


def our_rounds(up: Upstream, tmp: Path, fraction: float, keep: Path | None) -> dict[str, Run]:
    """cold, warm (all 304) and changed rounds of `aggregator fetch` on a fresh data dir."""
    up.call("reset")
    data = tmp / "ours"
    shutil.rmtree(data, ignore_errors=True)
    env = os.environ | OUR_ENV
    base = AGGREGATOR + ["--data-dir", str(data)]
    subprocess.run(base + ["sources", "import", str(tmp / "catalog.toml")], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    runs = {}
    for name in ROUNDS:
        if name == "changed":
            up.call("bump", fraction=fraction)
        runs[name] = measure(base + ["fetch", "--json"], env)
    if keep is not None:
        shutil.rmtree(keep, ignore_errors=True)
        shutil.copytree(data, keep)
    return runs


def peer_rounds(up: Upstream, tmp: Path, fraction: float, workers: int) -> dict[str, Run]:
    """The same three rounds for `reader`."""
    up.call("reset")
    db = tmp / "reader.sqlite"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    subprocess.run([PEER_PYTHON, HERE / "peer_reader.py", "add", db, tmp / "urls.txt"], check=True)
    runs = {}
    for name in ROUNDS:
        if name == "changed":
            up.call("bump", fraction=fraction)
        runs[name] = measure([str(PEER_PYTHON), str(HERE / "peer_reader.py"), "update", str(db), str(workers)])
    return runs


def summarize_ours(run: Run) -> dict[str, int]:
    counts: dict[str, int] = {"new": 0}
    for outcome in run.out.get("sources", []):
        counts[outcome["result"]] = counts.get(outcome["result"], 0) + 1
        counts["new"] += outcome.get("new", 0)
    return counts


# ---------------------------------------------------------------------------------------------
# 2. CPU per entry of bare feedparser


def bare_feedparser(urls: list[str]) -> tuple[float, int]:
    """CPU seconds and entries of feedparser.parse (its defaults) over the cold round's bytes."""
    import feedparser

    bodies = [synthetic.feed_bytes(i, 0, int(re.search(r":(\d+)/", url).group(1))) for i, url in enumerate(urls)]
    feedparser.parse(bodies[0])  # warm
    start = time.process_time()
    entries = sum(len(feedparser.parse(body).entries) for body in bodies)
    return time.process_time() - start, entries


# ---------------------------------------------------------------------------------------------
# 3. Publish


def publish_times(data: Path, rounds: int) -> tuple[list[float], list[float], int]:
    """`aggregator publish` wall seconds; publish_site for one category in process; items in it."""
    env = os.environ | OUR_ENV
    full = [measure(AGGREGATOR + ["--data-dir", str(data), "publish"], env).wall for _ in range(rounds)]
    from aggregator import store
    from aggregator.config import load_config
    from aggregator.pipeline import publish_site

    config = load_config(data_dir=data)
    db = store.open_db(config.db_path)
    one = []
    for _ in range(rounds):
        start = time.perf_counter()
        publish_site(db, config, categories={"c0"}, article_ids=set())
        one.append(time.perf_counter() - start)
    items = len(re.findall(rb"<item>", (data / "public" / "feeds" / "c0.rss").read_bytes()))
    db.close()
    return full, one, items


# ---------------------------------------------------------------------------------------------
# 5. Serving


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"no answer from {url}")


def etag_of(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as resp:
        resp.read()
        return resp.headers["ETag"]


def wrk(url: str, seconds: int, header: str | None = None) -> float:
    """Requests per second wrk reports for 50 connections on 2 threads."""
    cmd = ["wrk", "-t2", "-c50", f"-d{seconds}s", "--latency", url]
    if header:
        cmd[1:1] = ["-H", header]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    found = re.search(r"Requests/sec:\s+([\d.]+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        print(f"  note: {non2xx.group(1)} error answers from {url}")
    return float(found.group(1)) if found else 0.0


def nginx_config(public: Path, port: int, app_port: int, prefix: Path) -> Path:
    """deploy/nginx.conf with its folder, listen address and app address set for this run."""
    text = (ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    text = text.replace("/var/lib/aggregator/data/public", str(public))
    text = text.replace("listen 80;", f"listen 127.0.0.1:{port};")
    text = text.replace("server 127.0.0.1:8080;", f"server 127.0.0.1:{app_port};")
    # The shipped file is a server block for /etc/nginx/conf.d; wrap it in a standalone main config.
    main = (f"daemon off;\nworker_processes auto;\npid {prefix}/nginx.pid;\nerror_log {prefix}/error.log;\n"
            f"user root;\nevents {{ worker_connections 1024; }}\n"
            f"http {{\n include /etc/nginx/mime.types;\n access_log off;\n"
            f" client_body_temp_path {prefix}/tmp;\n proxy_temp_path {prefix}/tmp;\n"
            f" fastcgi_temp_path {prefix}/tmp;\n uwsgi_temp_path {prefix}/tmp;\n scgi_temp_path {prefix}/tmp;\n"
            f"{text}\n}}\n")
    (prefix / "tmp").mkdir(exist_ok=True)
    path = prefix / "nginx.conf"
    path.write_text(main, encoding="utf-8")
    return path


def serving(data: Path, seconds: int, workers: int) -> list[tuple[str, float, float | None]]:
    """(what, ours req/s, nginx req/s or None) for the four requests."""
    env = os.environ | OUR_ENV
    port = free_port()
    server = subprocess.Popen(AGGREGATOR + ["--data-dir", str(data), "serve", "--port", str(port),
                                            "--workers", str(workers)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    nginx = None
    results = []
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz")
        nginx_port = None
        if shutil.which("nginx"):
            prefix = Path(tempfile.mkdtemp(prefix="bench-nginx-"))
            nginx_port = free_port()
            conf = nginx_config(data / "public", nginx_port, port, prefix)
            nginx = subprocess.Popen(["nginx", "-c", str(conf), "-p", str(prefix)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            wait_http(f"http://127.0.0.1:{nginx_port}/feeds/all.rss")
        for path in ("/feeds/all.rss", "/feeds/c0.atom"):
            for conditional in (False, True):
                label = f"GET {path} {'304 (If-None-Match)' if conditional else '200'}"
                mine_url = f"http://127.0.0.1:{port}{path}"
                header = f"If-None-Match: {etag_of(mine_url)}" if conditional else None
                mine = wrk(mine_url, seconds, header)
                theirs = None
                if nginx_port:
                    their_url = f"http://127.0.0.1:{nginx_port}{path}"
                    theirs = wrk(their_url, seconds, f"If-None-Match: {etag_of(their_url)}" if conditional else None)
                results.append((label, mine, theirs))
    finally:
        server.terminate()
        server.wait(timeout=20)
        if nginx is not None:
            nginx.terminate()
            nginx.wait(timeout=10)
    return results


# ---------------------------------------------------------------------------------------------
# Report


def machine() -> str:
    cpu = "unknown CPU"
    try:
        cpu = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text()).group(1).strip()
    except (OSError, AttributeError):
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    tools = []
    for tool, args in (("nginx", ["-v"]), ("wrk", ["-v"])):
        if shutil.which(tool):
            proc = subprocess.run([tool, *args], capture_output=True, text=True)
            found = re.search(rf"{tool}[ /](?:debian/)?v?([\d.]+)", proc.stdout + proc.stderr)
            tools.append(f"{tool} {found.group(1) if found else '?'}")
        else:
            tools.append(f"no {tool}")
    return (f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, {', '.join(tools)}")


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def write_readme(text: str) -> None:
    """Replace the block between the compare markers in benchmarks/README.md."""
    readme = HERE / "README.md"
    begin, end = "<!-- compare:begin -->", "<!-- compare:end -->"
    current = readme.read_text(encoding="utf-8")
    block = f"{begin}\n{text}\n{end}"
    if begin in current and end in current:
        current = current[:current.index(begin)] + block + current[current.index(end) + len(end):]
    else:
        current = current.rstrip() + "\n\n" + block + "\n"
    readme.write_text(current, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--feeds", type=int, default=500, help="K, the feeds served upstream (default 500)")
    ap.add_argument("--ports", type=int, default=8, help="loopback ports the upstream listens on (default 8)")
    ap.add_argument("--latency", type=float, default=0.02, help="upstream latency in seconds (default 0.02)")
    ap.add_argument("--fraction", type=float, default=0.05, help="share of feeds changed in round 3 (default 0.05)")
    ap.add_argument("--rounds", type=int, default=3, help="rounds per side, median kept (default 3)")
    ap.add_argument("--peer-workers", default="1,20", help="reader's worker counts, the better kept (default 1,20)")
    ap.add_argument("--serve-seconds", type=int, default=5, help="wrk duration per measurement (default 5)")
    ap.add_argument("--serve-workers", type=int, default=2, help="`aggregator serve --workers` (default 2)")
    ap.add_argument("--corpora", type=Path, default=ROOT.parent / "shared" / "corpora")
    ap.add_argument("--parts", default="ingest,publish,extract,serve",
                    help="which parts to run (default all: ingest,publish,extract,serve)")
    ap.add_argument("--no-write", action="store_true", help="print only; leave benchmarks/README.md alone")
    args = ap.parse_args(argv)
    started = time.perf_counter()
    load0 = os.getloadavg()[0]
    desc = machine()
    print(desc, f"load average {load0:.2f} at start\n", flush=True)
    rows: list[list] = []
    notes: list[str] = []

    parts = set(args.parts.split(","))
    args.corpora = args.corpora.resolve()  # before the chdir below
    with tempfile.TemporaryDirectory(prefix="aggregator-compare-") as name:
        tmp = Path(name)
        os.chdir(tmp)  # no ./aggregator.toml of the checkout: the settings are the defaults and OUR_ENV
        up = Upstream(args.feeds, args.ports, args.latency)
        try:
            catalog(up.urls, tmp / "catalog.toml")
            (tmp / "urls.txt").write_text("\n".join(up.urls), encoding="utf-8")
            keep = tmp / "kept" if parts & {"publish", "serve"} else None  # the first round's data dir, for those
            ours = [our_rounds(up, tmp, args.fraction, keep if i == 0 else None) for i in range(args.rounds)]
            print("ours done", [{k: round(v.wall, 2) for k, v in r.items()} for r in ours], flush=True)
            have_peer = PEER_PYTHON.exists()
            peers: dict[int, list[dict[str, Run]]] = {}
            if have_peer:
                for workers in (int(w) for w in args.peer_workers.split(",")):
                    peers[workers] = [peer_rounds(up, tmp, args.fraction, workers) for _ in range(args.rounds)]
                    print(f"reader workers={workers} done",
                          [{k: round(v.wall, 2) for k, v in r.items()} for r in peers[workers]], flush=True)
            else:
                notes.append(f"reader not installed at {PEER_PYTHON} (make bench creates it): peer rounds skipped")
            fp_cpu, fp_entries = bare_feedparser(up.urls)
        finally:
            up.close()

        targets = {"cold": ("at least 3x as fast", lambda r: r <= 1 / 3), "warm": ("at most 0.5x the time", lambda r: r <= 0.5),
                   "changed": ("at most 0.5x the time", lambda r: r <= 0.5)}
        labels = {"cold": f"cold: {args.feeds} feeds, every entry new (s)", "warm": "warm: every feed 304 (s)",
                  "changed": f"{args.fraction:.0%} of feeds changed (s)"}
        for name_ in ROUNDS:
            mine = median([r[name_].wall for r in ours])
            best_w, theirs = None, None
            for workers, runs in peers.items():
                m = median([r[name_].wall for r in runs])
                if theirs is None or m < theirs:
                    best_w, theirs = workers, m
            ratio = mine / theirs if theirs else None
            target, ok = targets[name_]
            rows.append([labels[name_], f"{mine:.2f}", f"{theirs:.2f} (reader, {best_w} workers)" if theirs else "-",
                         f"{ratio:.2f}x the time" if ratio else "-", target,
                         ("yes" if ok(ratio) else "no") if ratio else "-"])
        first = ours[0]
        counts = {n: summarize_ours(first[n]) for n in ROUNDS}
        notes.append("ours, first round: " + "; ".join(
            f"{n}: " + ", ".join(f"{k} {v}" for k, v in sorted(c.items())) for n, c in counts.items()))
        if peers:
            w = max(peers)
            notes.append(f"reader ({w} workers), first round: " + "; ".join(
                f"{n}: " + ", ".join(f"{k} {v}" for k, v in peers[w][0][n].out.items()) for n in ROUNDS))
        new = max(counts["cold"]["new"], 1)
        cpu_entry = median([r["cold"].cpu for r in ours]) / new * 1000
        fp_entry = fp_cpu / max(fp_entries, 1) * 1000
        rows.append(["CPU per new entry, cold round, whole command (ms)", f"{cpu_entry:.2f}",
                     f"{fp_entry:.2f} (bare feedparser.parse)", f"{cpu_entry / fp_entry:.2f}x", "at most 1.0x",
                     "yes" if cpu_entry <= fp_entry else "no"])
        if peers:
            peer_cpu = min(median([r["cold"].cpu for r in runs]) for runs in peers.values())
            notes.append(f"reader's cold round CPU: {peer_cpu / new * 1000:.2f} ms per entry")
        rss = max(r[n].rss_mb for r in ours for n in ROUNDS)
        peer_rss = max((r[n].rss_mb for runs in peers.values() for r in runs for n in ROUNDS), default=None)
        rows.append([f"peak RSS of a fetch, K={args.feeds} (MB)", f"{rss:.0f}",
                     f"{peer_rss:.0f} (reader)" if peer_rss else "-", "", "at most 150 at K=2,000", ""])

        if "publish" in parts:
            full, one, items = publish_times(tmp / "kept", args.rounds)
            rows.append(["publish everything, `aggregator publish` (s)", f"{median(full):.2f}", "-", "", "", ""])
            rows.append([f"publish one category ({items} items), in process (ms)", f"{median(one) * 1000:.0f}", "-",
                         "", "", ""])

        from extraction_speed import ours as extract_one, pages, timings
        bodies = pages(args.corpora) if "extract" in parts else []
        if bodies:
            import trafilatura
            from aggregator.parse import decode

            mine = timings(extract_one, bodies)
            texts = [decode(b, "text/html").text for b in bodies]
            theirs = timings(lambda t: trafilatura.extract(t, url="http://x.test/a/1.html"), texts)
            p90 = lambda v: v[int(len(v) * 0.9)]  # noqa: E731
            m_ok = median(mine) <= 0.020
            rows.append([f"page extraction, {len(bodies)} corpus pages, median (ms)", f"{median(mine) * 1000:.1f}",
                         f"{median(theirs) * 1000:.1f} (trafilatura)", f"{median(mine) / median(theirs):.2f}x",
                         "at most 20 ms", "yes" if m_ok else "no"])
            rows.append(["page extraction, p90 (ms)", f"{p90(mine) * 1000:.1f}", f"{p90(theirs) * 1000:.1f} (trafilatura)",
                         f"{p90(mine) / p90(theirs):.2f}x", "at most 60 ms", "yes" if p90(mine) <= 0.060 else "no"])
        elif "extract" in parts:
            notes.append(f"no page corpora at {args.corpora}: extraction skipped")

        if "serve" not in parts:
            pass
        elif shutil.which("wrk"):
            for label, mine, theirs in serving(tmp / "kept", args.serve_seconds, args.serve_workers):
                ratio = mine / theirs if theirs else None
                want = 0.3 if "304" in label else 0.5
                rows.append([f"{label}, 50 connections (req/s)", f"{mine:,.0f}", f"{theirs:,.0f} (nginx)" if theirs else "-",
                             f"{ratio:.2f}x" if ratio else "-", f"at least {want}x nginx",
                             ("yes" if ratio >= want else "no") if ratio else "-"])
        else:
            notes.append("wrk not installed: serving skipped (make bench installs it with apt when it can)")

    headers = ["figure", "ours", "peer", "ratio", "target", "met"]
    print()
    table(headers, rows)
    for note in notes:
        print(f"  {note}")
    elapsed = time.perf_counter() - started
    load1 = os.getloadavg()[0]
    print(f"\ntotal {elapsed:.0f} s; load average {load0:.2f} at start, {load1:.2f} at the end")
    if not args.no_write:
        md = [f"Measured {time.strftime('%Y-%m-%d')} by `make bench` (`benchmarks/compare.py --feeds {args.feeds} "
              f"--rounds {args.rounds}`), {elapsed:.0f} s in all, on: {desc}; load average {load0:.2f} at the start "
              f"and {load1:.2f} at the end. Medians of {args.rounds} rounds; upstream latency "
              f"{args.latency * 1000:.0f} ms on {args.ports} loopback ports.", "",
              "| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
        md += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
        md += [""] + [f"- {note}" for note in notes]
        write_readme("\n".join(md))
        print("written to benchmarks/README.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
