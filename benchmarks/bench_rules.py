"""Times evaluating the default template on a realistic answers document.

Not a test: prints figures. Baseline in the same run: a plain dict walk over
the same answers (the floor for any engine that reads every answer).
Run: .venv/bin/python benchmarks/bench_rules.py
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from evaluation import engine  # noqa: E402

ROUNDS, PER_ROUND = 30, 500


def median_us(fn) -> float:
    samples = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        for _ in range(PER_ROUND):
            fn()
        samples.append((time.perf_counter() - start) / PER_ROUND * 1e6)
    return statistics.median(samples)


def bench(name: str, case_prefix: str) -> None:
    document = json.loads((ROOT / "evaluation" / "data" / name).read_text(encoding="utf-8"))
    compiled = engine.CompiledTemplate(document)
    case = next(c for c in document["cases"] if c["name"].startswith(case_prefix))
    answers, context = case["answers"], case.get("context")
    baseline = median_us(lambda: [answers.get(code) for code in compiled.items])
    evaluate = median_us(lambda: compiled.evaluate(answers, context))
    validate = median_us(lambda: engine.validate_answers(compiled.items, answers))
    compile_ = statistics.median(
        (lambda s: (engine.CompiledTemplate(document), time.perf_counter() - s)[1])(time.perf_counter()) * 1e6
        for _ in range(20)
    )
    print(f"{name}: {case_prefix}; {len(answers)} answers, {len(compiled.rules)} rules")
    print(f"  baseline dict walk      median {baseline:8.1f} µs")
    print(f"  evaluate (compiled)     median {evaluate:8.1f} µs  ({evaluate / baseline:.1f}× baseline; target ≤ 200 µs)")
    print(f"  validate answers        median {validate:8.1f} µs")
    print(f"  compile template (once) median {compile_:8.1f} µs")


def main() -> None:
    # The busiest cases: red flags, every test, urgent referral, every item answered.
    bench("fasciculation-cramp-v1.json", "Worked example 4")
    bench("fasciculation-cramp-v2.json", "Worked example 5")


if __name__ == "__main__":
    main()
