"""Near-duplicate clustering: fingerprint throughput, and lookup time against 100k and 1M stored
fingerprints, beside datasketch's own in-memory MinHashLSH and a full scan, measured in the same run.

Fingerprints are made from synthetic Chinese bodies (about 1,500 characters, every one its own
text). The stored population for the lookup is random signatures (unrelated stories: what makes
a lookup cheap or dear is the index, not how the signatures were made), plus planted copies of
the query stories, so half the lookups find their story and half find nothing.

Run: make bench (or .venv/bin/python benchmarks/clusters.py --sizes 100000,1000000)
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from aggregator import store  # noqa: E402
from aggregator.normalize.similarity import NUM_PERM, SEED, SHINGLE, signature, similarity_text  # noqa: E402
from aggregator.store import clusters  # noqa: E402
from report import table  # noqa: E402

WORDS = ("纪检", "监察", "巡视", "整改", "干部", "群众", "基层", "作风", "廉洁", "制度", "监督", "执纪", "问责",
         "审查", "调查", "通报", "会议", "部署", "落实", "责任", "政治", "纪律", "规矩", "党建", "改革", "发展",
         "经济", "社会", "民生", "教育", "医疗", "就业", "生态", "环境", "乡村", "振兴", "科技", "创新")


def body(rng: random.Random, chars: int = 1500) -> str:
    out, n = [], 0
    while n < chars:
        word = rng.choice(WORDS)
        out.append(word + ("，" if rng.random() < 0.08 else "") + ("。" if rng.random() < 0.04 else ""))
        n += len(out[-1])
    return "".join(out)


def reprint(rng: random.Random, text: str) -> str:
    """The same story as another outlet prints it: other chrome, half-width commas, a sentence more."""
    return "来源：某某网 " + text.replace("，", ",") + " 记者从有关部门获悉，相关工作正在推进。责任编辑：张三"


def timed(func, *args) -> float:
    start = time.perf_counter()
    func(*args)
    return time.perf_counter() - start


def fingerprint_throughput(count: int, repeat: int) -> list[list]:
    from datasketch import MinHash

    rng = random.Random(1)
    texts = [body(rng) for _ in range(count)]
    signature(texts[0])  # the lazy import, outside the timing
    ours, bare = [], []
    for _ in range(repeat):
        ours.append(timed(lambda: [signature(t) for t in texts]))
        shingled = []
        for t in texts:
            folded = similarity_text(t)
            shingled.append({folded[i:i + SHINGLE].encode() for i in range(len(folded) - SHINGLE + 1)})

        def bare_minhash() -> None:
            for shingles in shingled:
                m = MinHash(num_perm=NUM_PERM, seed=SEED)
                m.update_batch(list(shingles))
        bare.append(timed(bare_minhash))
    med_ours, med_bare = statistics.median(ours), statistics.median(bare)
    return [["ours: cut chrome, fold, shingle, MinHash with CRC-32", f"{count / med_ours:,.0f} bodies/s",
             f"{med_ours / count * 1000:.3f} ms", f"{med_ours / med_bare:.2f}x"],
            ["peer: datasketch MinHash.update_batch on ready shingles (its default SHA-1)", f"{count / med_bare:,.0f} bodies/s",
             f"{med_bare / count * 1000:.3f} ms", "1.00x"]]


def random_signatures(n: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 2**32 - 1, size=(n, NUM_PERM), dtype=np.uint32)


def build_sqlite(path: Path, population: np.ndarray, planted: list[bytes]) -> tuple[object, float]:
    db = store.open_db(path)
    start = time.perf_counter()
    rows, bands = [], []
    with store.transaction(db):
        for i, sig in enumerate(population):
            raw = sig.astype("<u4").tobytes()
            article_id = f"{i:016x}"
            rows.append((article_id, raw))
            bands.extend((key, article_id) for key in clusters.band_keys(raw))
            if len(rows) >= 20_000:
                db.conn.executemany("insert into fingerprints values (?, ?)", rows)
                db.conn.executemany("insert or ignore into lsh_bands values (?, ?)", bands)
                rows, bands = [], []
        for j, raw in enumerate(planted):
            rows.append((f"p{j:015x}", raw))
            bands.extend((key, f"p{j:015x}") for key in clusters.band_keys(raw))
        db.conn.executemany("insert into fingerprints values (?, ?)", rows)
        db.conn.executemany("insert or ignore into lsh_bands values (?, ?)", bands)
    return db, time.perf_counter() - start


def build_datasketch(population: np.ndarray, planted: list[bytes]):
    from datasketch import LeanMinHash, MinHash, MinHashLSH

    lsh = MinHashLSH(num_perm=NUM_PERM, params=(clusters.BANDS, clusters.ROWS))
    start = time.perf_counter()
    template = MinHash(num_perm=NUM_PERM, seed=SEED)
    with lsh.insertion_session() as session:
        for i, sig in enumerate(population):
            template.hashvalues = sig.astype(np.uint64)
            session.insert(i, LeanMinHash(template), check_duplication=False)
        for j, raw in enumerate(planted):
            template.hashvalues = np.frombuffer(raw, dtype="<u4").astype(np.uint64)
            session.insert(f"p{j}", LeanMinHash(template), check_duplication=False)
    return lsh, time.perf_counter() - start


def lookups(size: int, queries: list[bytes], planted: list[bytes], tmp: Path) -> list[list]:
    from datasketch import LeanMinHash, MinHash

    population = random_signatures(size - len(planted), seed=size)
    db, built = build_sqlite(tmp / f"lsh-{size}.db", population, planted)
    found, ours = 0, []
    for query in queries:
        start = time.perf_counter()
        hits = clusters.similar(db, query)
        ours.append(time.perf_counter() - start)
        found += bool(hits)
    db.close()
    file_mb = (tmp / f"lsh-{size}.db").stat().st_size / 2**20
    lsh, lsh_built = build_datasketch(population, planted)
    template = MinHash(num_perm=NUM_PERM, seed=SEED)
    theirs, their_found = [], 0
    for query in queries:
        template.hashvalues = np.frombuffer(query, dtype="<u4").astype(np.uint64)
        probe = LeanMinHash(template)
        start = time.perf_counter()
        hits = lsh.query(probe)
        theirs.append(time.perf_counter() - start)
        their_found += bool(hits)
    del lsh
    matrix = np.vstack([population, np.frombuffer(b"".join(planted), dtype="<u4").reshape(-1, NUM_PERM)])
    scans = []
    for query in queries[:5]:
        q = np.frombuffer(query, dtype="<u4")
        start = time.perf_counter()
        ((matrix == q).sum(axis=1) >= clusters.THRESHOLD * NUM_PERM).any()
        scans.append(time.perf_counter() - start)
    ms = lambda v: f"{statistics.median(v) * 1000:.3f} ms"  # noqa: E731
    p90 = lambda v: f"{sorted(v)[int(len(v) * 0.9)] * 1000:.3f} ms"  # noqa: E731
    return [
        [f"{size:,}: ours, SQLite bands (persistent)", ms(ours), p90(ours), f"{found}/{len(queries)}",
         f"{built:.0f} s, {file_mb:,.0f} MB file", f"{statistics.median(ours) / statistics.median(theirs):.1f}x"],
        [f"{size:,}: peer, datasketch MinHashLSH (in memory)", ms(theirs), p90(theirs),
         f"{their_found}/{len(queries)}", f"{lsh_built:.0f} s", "1.0x"],
        [f"{size:,}: full numpy scan of every signature", ms(scans), p90(scans), "-", "-",
         f"{statistics.median(scans) / statistics.median(theirs):.0f}x"],
    ]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="100000,1000000", help="stored fingerprints (default 100000,1000000)")
    ap.add_argument("--bodies", type=int, default=1000, help="bodies fingerprinted per round (default 1000)")
    ap.add_argument("--repeat", type=int, default=3, help="rounds of the throughput figure (default 3)")
    ap.add_argument("--queries", type=int, default=200, help="lookups per size (default 200)")
    args = ap.parse_args(argv)
    print("near-duplicate fingerprints: throughput (median of rounds)")
    table(["what", "throughput", "per body", "vs peer"], fingerprint_throughput(args.bodies, args.repeat))
    rng = random.Random(7)
    stories = [body(rng) for _ in range(args.queries // 2)]
    planted = [signature(s) for s in stories]
    queries = [signature(reprint(rng, s)) for s in stories] + [signature(body(rng)) for _ in range(args.queries // 2)]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            rows += lookups(size, queries, planted, Path(tmp))
    print(f"\nlookup of a new article against N stored fingerprints ({len(queries)} lookups, half of them copies)")
    table(["N: index", "median", "p90", "found", "build", "vs peer"], rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
