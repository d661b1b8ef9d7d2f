"""Care benchmark: the time of care.assess (topics, crisis, identifiers) per post and per story.

Run: .venv/bin/python benchmarks/care.py [--eval tests/language_eval_2.jsonl] [--runs 20]
Texts are made as benchmarks/language.py makes them, from the sentences of an evaluation set: posts of
exactly 280 characters and a story of 5,000 words, checked in the storyteller's voice (the only voice
for which crisis detection runs). Each part is also timed alone, so a slow part is named; a part not
built yet (NotImplementedError) is skipped and said so. Also a 5,000-word story dense with cues (past
crises told as recovery, every sentence or two), the hardest case for the crisis check's prefilter.
Times are the best of --runs (the least disturbed by other work on the machine) and the median, wall
clock and CPU. Targets (issue 14, with the language check's): the whole check at most 50 µs per post and
10 ms per 5,000-word story; crisis detection alone well under 5 ms per story.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from language import posts, story  # noqa: E402  (benchmarks/language.py: the same posts and stories)

from recovery_voice.care import assess, crisis, identifiers, topics  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DENSE = ["Three years ago I tried to end my life.", "Today I run the Tuesday group and I love it.",
         "I used to want to die; now I want to help.", "My sponsor says one day at a time.",
         "When I was drinking I thought nobody would miss me.", "I still remember the night I nearly gave up.",
         "The rota is killing me but I'm dying to see you all at the walk.",
         "We raised money for suicide prevention."]


def parts() -> dict:
    """Return each part of care.assess as a one-argument function, and the whole."""
    return {
        "topics": topics.topics,
        "crisis": crisis.at_risk,
        "identifiers": lambda text: identifiers.find(text, naming="pseudonym"),
        "care.assess": lambda text: assess(text, voice="storyteller", naming="pseudonym"),
    }


def time_texts(check, texts: list[str], runs: int) -> tuple[float, float, float]:
    """Return the best and median wall seconds, and the best CPU seconds, of checking each text once."""
    walls, cpus = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        for text in texts:
            check(text)
        walls.append((time.perf_counter() - started) / len(texts))
        cpus.append((time.process_time() - started_cpu) / len(texts))
    return min(walls), statistics.median(walls), min(cpus)


def measure(name: str, check, texts: list[str], runs: int, unit: str) -> str:
    """Time one part on the texts and return its line, or say it is not built yet."""
    try:
        check(texts[0])  # warm: patterns compiled on first use
    except NotImplementedError:
        return f"  {name:<12} skipped: not built yet"
    scale = 1e6 if unit == "µs" else 1e3
    best, median, cpu = time_texts(check, texts, runs)
    figures = "   ".join(f"{label} {value * scale:8.3f} {unit}"
                           for label, value in (("best", best), ("median", median), ("cpu", cpu)))
    return f"  {name:<12} {figures}"


def main(argv: list[str] | None = None) -> int:
    """Print the times of each part and the whole, per post and per story."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--eval", default=str(ROOT / "tests" / "language_eval_2.jsonl"))
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args(argv)
    lines = Path(args.eval).read_text(encoding="utf-8").splitlines()
    sentences = [json.loads(line)["text"] for line in lines if line.strip()]
    texts = {"per 280-character post": (posts(sentences)[:200], "µs"),
             "per 5,000-word story": ([story(sentences, 5000)], "ms"),
             "per 5,000-word story dense with past crises": ([story(DENSE, 5000)], "ms")}
    print(f"care.assess, storyteller voice; {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")
    for label, (group, unit) in texts.items():
        print(label)
        for name, check in parts().items():
            print(measure(name, check, group, max(3, args.runs // (1 if unit == "ms" else 4)), unit))
    return 0


if __name__ == "__main__":
    sys.exit(main())
