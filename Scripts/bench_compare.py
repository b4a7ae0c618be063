"""FAISS IndexFlatIP and numpy on the matrices creatormatch-bench dumped, in the same run.

Usage: python bench_compare.py DUMP_DIR THREADS
Prints one RESULT line per shape and engine (seconds, best of two).
"""
import os
import sys
import time

import numpy as np


def load(directory):
    m, n, d, k = (int(x) for x in open(os.path.join(directory, "shape.txt")).read().split())
    products = np.fromfile(os.path.join(directory, "products.f32"), dtype="<f4").reshape(m, d)
    creators = np.fromfile(os.path.join(directory, "creators.f32"), dtype="<f4").reshape(n, d)
    return products, creators, k


def numpy_topk(products, creators, k, block=None):
    """Blocked matmul + argpartition, merging per-block candidates (blocks of about 800 MB of scores)."""
    block = block or max(1024, int(2e8 // products.shape[0]))
    best_scores = np.full((products.shape[0], k), -np.inf, dtype=np.float32)
    best_ids = np.zeros((products.shape[0], k), dtype=np.int64)
    for start in range(0, creators.shape[0], block):
        scores = products @ creators[start:start + block].T
        kk = min(k, scores.shape[1])
        part = np.argpartition(-scores, kk - 1, axis=1)[:, :kk]
        cand_scores = np.take_along_axis(scores, part, axis=1)
        all_scores = np.concatenate([best_scores, cand_scores], axis=1)
        all_ids = np.concatenate([best_ids, part + start], axis=1)
        keep = np.argpartition(-all_scores, k - 1, axis=1)[:, :k]
        best_scores = np.take_along_axis(all_scores, keep, axis=1)
        best_ids = np.take_along_axis(all_ids, keep, axis=1)
    order = np.argsort(-best_scores, axis=1, kind="stable")
    return np.take_along_axis(best_scores, order, axis=1), np.take_along_axis(best_ids, order, axis=1)


def best_of(runs, fn):
    best = float("inf")
    result = None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


def main():
    dump, threads = sys.argv[1], int(sys.argv[2])
    import faiss

    faiss.omp_set_num_threads(threads)
    for name in sorted(os.listdir(dump)):
        directory = os.path.join(dump, name)
        if not os.path.isfile(os.path.join(directory, "shape.txt")):
            continue
        products, creators, k = load(directory)
        index = faiss.IndexFlatIP(creators.shape[1])
        index.add(creators)
        t_faiss, (scores, ids) = best_of(2, lambda: index.search(products, k))
        print(f"RESULT {name} faiss_s={t_faiss:.4f} faiss_checksum={int(ids.sum())}/{float(scores.sum()):.4f}", flush=True)
        t_numpy, _ = best_of(2, lambda: numpy_topk(products, creators, k))
        print(f"RESULT {name} numpy_s={t_numpy:.4f}", flush=True)


if __name__ == "__main__":
    main()
