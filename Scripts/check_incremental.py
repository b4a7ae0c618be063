#!/usr/bin/env python3
"""Black-box check that `rescore --incremental` publishes what a full rescore publishes.

Drives the built binary only (no Swift test code): writes a seeded demo market, imports it, publishes
a first run, then for each round applies a random change set through `import` (creators, products,
shops, invitations, outcomes; every entity and most fields, including status changes, category moves,
counterfeit violations, invitation status updates and days moving forward), copies the database, runs
`rescore --incremental` on one copy and a full `rescore` on the other, and compares what a reader
sees: `export shortlists` (without the run id) and `eligibility`. Exits 1 at the first difference,
naming the round, the change set and the first product that differs.

    Scripts/check_incremental.py BINARY [--rounds N] [--seed S] [--creators N] [--products N] [--keep DIR]
"""
import argparse
import json
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

CATEGORIES = [
    "Phones & Electronics", "Beauty & Personal Care", "Food & Beverages", "Womenswear & Underwear",
    "Sports & Outdoor", "Home Supplies", "Health", "Toys & Hobbies", "electronics", "fmcg",
]


def run(binary, db, *args, check=True):
    done = subprocess.run([binary, "--db", str(db), *args], capture_output=True, text=True)
    if check and done.returncode != 0:
        sys.exit(f"{' '.join(args)} failed ({done.returncode}): {done.stderr.strip()}")
    return done


def load(path):
    return [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]


def write(path, objects):
    Path(path).write_text("".join(json.dumps(o, sort_keys=True) + "\n" for o in objects))


def copy_database(src, dst):
    for suffix in ("", "-wal", "-shm"):
        Path(str(dst) + suffix).unlink(missing_ok=True)
    s, d = sqlite3.connect(src), sqlite3.connect(dst)
    s.backup(d)
    d.close()
    s.close()


def change_set(rnd, round_no, day, creators, products, shops, restores):
    """One random change set: {entity: [objects]} plus a description. A shop or product status change
    is undone two rounds later (`restores`: (due round, entity, original record)), so the market does not
    wither round after round and lists also come back."""
    out = {"creators": [], "products": [], "shops": [], "invitations": [], "outcomes": []}
    kinds = []
    for due, entity, original in [r for r in restores if r[0] <= round_no]:
        restores.remove((due, entity, original))
        out[entity].append(original)
        kinds.append(entity[:-1] + ".restored")
    for _ in range(rnd.randint(3, 40)):
        c = dict(rnd.choice(creators))
        field = rnd.choice(["vector", "gmv_30d", "gmv_missing", "followers", "categories", "post_rate", "username",
                            "avg_commission_rate", "engagement_rate", "gpm", "units_sold_30d", "avg_views", "content_types"])
        kinds.append("creator." + field)
        if field == "vector":
            c["vector"] = [v + rnd.uniform(-0.8, 0.8) for v in c["vector"]]
        elif field == "gmv_30d":
            c["gmv_30d"] = round(rnd.uniform(0, 90000), 2)
        elif field == "gmv_missing":
            c.pop("gmv_30d", None)
            c.pop("gpm", None)
        elif field == "followers":
            c["followers"] = rnd.randint(0, 2_000_000)
        elif field == "categories":
            c["categories"] = {rnd.choice(CATEGORIES[:8]): round(rnd.uniform(0.2, 1), 2)}
        elif field == "post_rate":
            c["post_rate"] = round(rnd.uniform(0, 1), 3)
        elif field == "username":
            c["username"] = f"renamed_{round_no}_{rnd.randint(0, 999)}"
        elif field == "avg_commission_rate":
            c["avg_commission_rate"] = rnd.randint(100, 3000)
        elif field == "engagement_rate":
            c["engagement_rate"] = round(rnd.uniform(0, 0.2), 4)
        elif field == "gpm":
            c["gpm"] = round(rnd.uniform(0, 80), 2)
        elif field == "units_sold_30d":
            c["units_sold_30d"] = rnd.randint(0, 20000)
        elif field == "avg_views":
            c["avg_views"] = rnd.randint(0, 500000)
        else:
            c["content_types"] = {"live": 1.0} if rnd.random() < 0.5 else {"video": 1.0}
        out["creators"].append(c)
    for i in range(rnd.randint(0, 5)):
        c = dict(rnd.choice(creators))
        c["id"] = f"cr-new-{round_no}-{i}"
        c["vector"] = [v + rnd.uniform(-0.3, 0.3) for v in c["vector"]]
        out["creators"].append(c)
        kinds.append("creator.new")
    for _ in range(rnd.randint(0, 4)):
        p = dict(rnd.choice(products))
        field = rnd.choice(["commission_rate", "vector", "category", "status", "negative_reviews", "margin_rate", "price", "returns"])
        kinds.append("product." + field)
        if field == "commission_rate":
            p["commission_rate"] = 100 * rnd.randint(3, 30)
        elif field == "vector":
            p["vector"] = [v + rnd.uniform(-0.5, 0.5) for v in p["vector"]]
        elif field == "category":
            p["category"] = rnd.choice(CATEGORIES)
        elif field == "status":
            p["status"] = rnd.choice(["live", "out_of_stock", "frozen", "delisted"])
            restores.append((round_no + 2, "products", original_record(products, p["id"])))
        elif field == "negative_reviews":
            p["reviews"] = max(5, p.get("reviews") or 0)
            p["negative_reviews"] = rnd.randint(0, p["reviews"])
        elif field == "margin_rate":
            p["margin_rate"] = 100 * rnd.randint(2, 60)
        elif field == "price":
            p["price"] = round(rnd.uniform(1, 400), 2)
        else:
            p["return_refund_cases"] = rnd.randint(5, 30)
            p["seller_fault_return_refund_cases"] = rnd.randint(0, min(10, p["return_refund_cases"]))
        out["products"].append(p)
    if rnd.random() < 0.15:
        p = dict(rnd.choice(products))
        p["id"] = f"p-new-{round_no}"
        p["vector"] = [v + rnd.uniform(-0.3, 0.3) for v in p["vector"]]
        out["products"].append(p)
        kinds.append("product.new")
    if rnd.random() < 0.4:
        s = dict(rnd.choice(shops))
        field = rnd.choice(["rating", "status", "counterfeit"])
        kinds.append("shop." + field)
        restores.append((round_no + 2, "shops", original_record(shops, s["id"])))
        if field == "rating":
            s["rating"] = rnd.choice([2.0, 2.49, 2.5, 4.6])
        elif field == "status":
            s["status"] = rnd.choice(["active", "active", "deactivated"])
        else:
            s["counterfeit_violations"] = [(day - timedelta(days=rnd.choice([0, 30, 59, 60, 61]))).isoformat()]
        out["shops"].append(s)
    for _ in range(rnd.randint(0, 8)):
        sent = day - timedelta(days=rnd.choice([0, 1, 5, 30, 88, 89, 90, 91]))
        out["invitations"].append({
            "creator_id": rnd.choice(creators)["id"], "product_id": rnd.choice(products)["id"],
            "sent_at": f"{sent.isoformat()}T09:00:00Z",
            "status": rnd.choice(["pending", "accepted", "declined", "expired"]), "commission_rate": 100 * rnd.randint(5, 25),
        })
        kinds.append("invitation")
    for _ in range(rnd.randint(0, 20)):
        orders = rnd.randint(1, 40)
        sold = day - timedelta(days=rnd.randint(0, 40))
        out["outcomes"].append({
            "creator_id": rnd.choice(creators)["id"], "product_id": rnd.choice(products)["id"], "date": sold.isoformat(),
            "orders": orders, "gmv": round(orders * rnd.uniform(5, 80), 2), "commission_rate": 100 * rnd.randint(5, 20),
            "content_type": rnd.choice(["video", "live", "showcase"]),
        })
        kinds.append("outcome")
    return out, sorted(set(kinds))


def original_record(records, record_id):
    return next(r for r in records if r["id"] == record_id)


def published(binary, db, as_of):
    lines = run(binary, db, "export", "shortlists").stdout.splitlines()
    shortlists = {}
    for line in lines:
        o = json.loads(line)
        o.pop("run_id", None)
        shortlists[o["product_id"]] = json.dumps(o, sort_keys=True)
    eligibility = json.loads(run(binary, db, "eligibility", "--as-of", as_of, "--format", "json").stdout)
    return shortlists, json.dumps(eligibility, sort_keys=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--rounds", type=int, default=12)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--creators", type=int, default=1500)
    ap.add_argument("--products", type=int, default=80)
    ap.add_argument("--limit", type=int, default=10)
    ap.add_argument("--keep", help="work in this folder and keep it")
    args = ap.parse_args()
    rnd = random.Random(args.seed)
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="check-incremental-"))
    work.mkdir(parents=True, exist_ok=True)
    day = date(2026, 11, 25)
    db, other = work / "inc.sqlite", work / "full.sqlite"
    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    run(args.binary, db, "demo", "--out", str(work / "demo"), "--creators", str(args.creators), "--products", str(args.products),
        "--shops", "8", "--vector-dim", "16", "--as-of", day.isoformat(), "--seed", str(args.seed))
    for entity in ("shops", "products", "creators", "outcomes", "invitations"):
        run(args.binary, db, "import", entity, str(work / "demo" / f"{entity}.jsonl"))
    creators = load(work / "demo" / "creators.jsonl")
    products = load(work / "demo" / "products.jsonl")
    shops = load(work / "demo" / "shops.jsonl")
    limit = str(args.limit)
    run(args.binary, db, "rescore", "--as-of", day.isoformat(), "--limit", limit, "--quiet")
    modes = {}
    restores = []
    fewest = None
    for round_no in range(args.rounds):
        day += timedelta(days=rnd.choice([0, 0, 1, 1, 2, 7]))
        changes, kinds = change_set(rnd, round_no, day, creators, products, shops, restores)
        for entity, objects in changes.items():
            if objects:
                path = work / f"{entity}-{round_no}.jsonl"
                write(path, objects)
                run(args.binary, db, "import", entity, str(path))
        copy_database(db, other)
        inc = json.loads(run(args.binary, db, "rescore", "--as-of", day.isoformat(), "--limit", limit, "--incremental", "--format", "json").stdout)
        run(args.binary, other, "rescore", "--as-of", day.isoformat(), "--limit", limit, "--quiet")
        modes[inc["mode"]] = modes.get(inc["mode"], 0) + 1
        a, ea = published(args.binary, db, day.isoformat())
        b, eb = published(args.binary, other, day.isoformat())
        if ea != eb:
            sys.exit(f"round {round_no} ({day}): eligibility differs between the two databases (changes: {kinds})")
        if not a:
            sys.exit(f"round {round_no} ({day}): no shortlist was published, so nothing was compared (changes: {kinds}); work folder {work}")
        fewest = len(a) if fewest is None else min(fewest, len(a))
        differing = sorted(p for p in set(a) | set(b) if a.get(p) != b.get(p))
        if differing:
            p = differing[0]
            print(f"incremental: {a.get(p)}\nfull:        {b.get(p)}", file=sys.stderr)
            sys.exit(f"round {round_no} ({day}, mode {inc['mode']}, {inc.get('full_reason')}): {len(differing)} shortlists differ, first {p} (changes: {kinds}); work folder {work}")
        print(f"round {round_no} ({day}): {inc['mode']}, {inc.get('creators_changed')} creators changed, "
              f"{inc['products_searched']} searched, {inc['lists_written']} lists written, {len(a)} shortlists equal", file=sys.stderr)
    if not args.keep:
        shutil.rmtree(work)
    print(f"{args.rounds} passed, 0 failed (incremental runs: {modes.get('incremental', 0)}, full fallbacks: {modes.get('full', 0)}; "
          f"at least {fewest} shortlists compared a round)")


if __name__ == "__main__":
    main()
