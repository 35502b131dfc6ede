"""Typo correction against a large vocabulary (directory/search.py::corrected_query).

The demo company's bios are templated, so its vocabulary is a few hundred words; a real
company's bios and titles give tens of thousands. This adds N random words to the
vocabulary inside a transaction that is rolled back at the end (the database is left as
it was), then times `corrected_query` for typo-laden queries, in-process, against a
trivial `SELECT 1` on the same connection in the same rounds.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mentorship_bench \\
        .venv/bin/python bench/vocabulary.py [--words 50000] [--rounds 50]

Run `make bench` once first: it creates and seeds that database.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import string
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mentorship.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/mentorship_bench")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402

from directory.models import SearchTerm  # noqa: E402
from directory.search import corrected_query  # noqa: E402

QUERIES = ["jon smtih", "pyton", "negotiation", "kuberentes", "marketing london", "ne"]


class Rollback(Exception):
    pass


def timed(call, rounds: int) -> list[float]:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def trivial() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args()
    rng = random.Random(2026)
    try:
        with transaction.atomic():
            words = {
                "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(3, 12)))
                for _ in range(args.words)
            }
            SearchTerm.objects.bulk_create(
                [SearchTerm(word=w) for w in words], ignore_conflicts=True, batch_size=5000
            )
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE directory_searchterm")
            size = SearchTerm.objects.count()
            base = statistics.median(timed(trivial, args.rounds))
            print(f"vocabulary: {size} words · baseline SELECT 1: {base:.2f} ms (median)\n")
            print("| query | median ms | p95 ms | median ÷ SELECT 1 |")
            print("|---|---:|---:|---:|")
            for query in QUERIES:
                samples = sorted(timed(lambda q=query: corrected_query(q), args.rounds))
                median = statistics.median(samples)
                p95 = samples[int(len(samples) * 0.95) - 1]
                print(f"| `{query}` | {median:.1f} | {p95:.1f} | {median / base:.0f}× |")
            raise Rollback
    except Rollback:
        pass


if __name__ == "__main__":
    main()
