"""Audit-insert throughput with many concurrent writers, with and without the hash chain.

Not a test: prints figures. PostgreSQL only (SQLite serialises every write). Each
round starts WRITERS processes that insert audit events, one per transaction, for
SECONDS: "plain" rounds insert without the chain (the model's save without the
link, as before the chain existed), "chained" rounds through the normal save (on
PostgreSQL one INSERT that takes the chain's advisory lock, reads its last row and
hashes, see evaluation/models/chained.py). Both run each insert in a transaction of
its own (BEGIN, INSERT, COMMIT), so they compare the chain's cost, not a difference in
how many transactions they open. Every writer makes one untimed insert before the
window opens, as a long-lived worker connection is warm, and the query log is off
as in production. Rounds alternate so drift hits both alike. Prints the median
inserts/s of each, their ratio, and the median of each round's chained-to-plain
ratio (the target is >= 0.8).

Use a throwaway database: the plain rows are not chained, so it will not verify. At the
end the chained rows alone are walked as verify_records walks them: many writers at once
are also a check that concurrent inserts keep every chain intact.
Run: DATABASE_URL=postgres://USER@HOST:5432/checklist_bench \
     .venv/bin/python benchmarks/bench_audit_chain.py [--writers 50] [--seconds 5] [--rounds 3] [--shards N]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_DEBUG", "True")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, connections, models, transaction  # noqa: E402

from evaluation import integrity  # noqa: E402
from evaluation.models import AuditEvent  # noqa: E402


def insert(chained: bool, number: int) -> None:
    event = AuditEvent(username=f"bench{number}", action=AuditEvent.Action.PATIENT_VIEW, object_type="patient",
                       object_id=str(number), detail={"page": 1}, ip_address="10.0.0.1")
    with transaction.atomic():
        if chained:
            event.save()
        else:
            models.Model.save(event)


def writer(chained: bool, start: float, seconds: float, counts: multiprocessing.Queue) -> None:
    connections.close_all()  # a fresh connection per process, never the parent's
    done = 0
    # One untimed insert first: the service's workers keep their connections (CONN_MAX_AGE), so the timed
    # inserts should find the server process warm (its catalogue caches, a function's kept plans) as a
    # worker's do, not pay a new connection's first-call costs in a window of a few seconds.
    insert(chained, -1)
    time.sleep(max(0.0, start - time.time()))
    deadline = start + seconds
    while time.time() < deadline:
        insert(chained, done)
        done += 1
    counts.put(done)
    connections.close_all()


def one_round(chained: bool, writers: int, seconds: float) -> float:
    connections.close_all()
    counts: multiprocessing.Queue = multiprocessing.Queue()
    start = time.time() + 3.0  # time for every writer to connect and warm up before the window opens
    processes = [multiprocessing.Process(target=writer, args=(chained, start, seconds, counts))
                 for _ in range(writers)]
    for process in processes:
        process.start()
    total = sum(counts.get() for _ in processes)
    for process in processes:
        process.join()
    return total / seconds


def chained_rows_verify() -> str:
    """The rows the chained rounds wrote (plain rows have no chain), walked in id order like verify_records."""
    rows = AuditEvent._base_manager.exclude(chain="").order_by("id").iterator(chunk_size=2000)
    return integrity.summary([integrity.verify_rows(rows, AuditEvent.CHAIN_FIELDS, "chained audit events")])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writers", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--shards", type=int, default=None, help="AUDIT_CHAIN_SHARDS for this run")
    options = parser.parse_args()
    if options.shards is not None:
        settings.AUDIT_CHAIN_SHARDS = options.shards
    settings.DEBUG = False  # as in production: no query log (DJANGO_DEBUG only lets the script start without one)
    if connection.vendor != "postgresql":
        sys.exit("bench_audit_chain: set DATABASE_URL to a throwaway PostgreSQL database")
    call_command("migrate", verbosity=0)
    figures: dict[bool, list[float]] = {False: [], True: []}
    for number in range(options.rounds):
        for chained in (False, True) if number % 2 == 0 else (True, False):
            rate = one_round(chained, options.writers, options.seconds)
            figures[chained].append(rate)
            print(f"round {number + 1} {'chained' if chained else 'plain  '}: {rate:8.0f} inserts/s", flush=True)
    plain, chained = statistics.median(figures[False]), statistics.median(figures[True])
    # Each round's chained figure against the plain one measured next to it: the machine's drift between
    # rounds cancels out of these.
    paired = statistics.median(c / p for c, p in zip(figures[True], figures[False], strict=True))
    print(f"{options.writers} writers, {getattr(settings, 'AUDIT_CHAIN_SHARDS', 64)} chains a day, {options.rounds} rounds of {options.seconds:g} s each: "
          f"median plain {plain:.0f}/s, chained {chained:.0f}/s, ratio {chained / plain:.2f}, "
          f"median of the rounds' ratios {paired:.2f} (target >= 0.80)")
    print(chained_rows_verify())


if __name__ == "__main__":
    multiprocessing.set_start_method("fork")
    main()
