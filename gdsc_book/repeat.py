"""Repeated runs: the same recipe with N seeds, summarized as mean, std and a 95% interval.

One training run gives one number, and that number moves with the seed (initial weights, batch
order, augmentation). Quiz 2 asks for the mean over 5 runs; we also report the sample
standard deviation and a Student-t confidence interval for the mean,

    mean ± t_{0.975, n-1} · s / sqrt(n),

which is honest about how little 5 numbers pin down.

:func:`repeat` saves every finished run to a JSON file at once (atomically), so an
interrupted repeat picks up where it stopped: finished seeds are read back, not re-run.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from gdsc_book.errors import BookError
from gdsc_book.files import write_text_atomically

FORMAT = "gdsc-book-repeat/1"


def t_quantile(q: float, df: int) -> float:
    """The ``q`` quantile of Student's t distribution with ``df`` degrees of freedom."""
    from scipy.stats import t  # scipy comes with scikit-learn

    return float(t.ppf(q, df))


@dataclass
class Summary:
    n: int
    mean: float
    std: float  # sample standard deviation (n - 1 in the denominator)
    sem: float  # standard error of the mean, std / sqrt(n)
    ci_low: float
    ci_high: float
    confidence: float = 0.95

    @property
    def half_width(self) -> float:
        return (self.ci_high - self.ci_low) / 2

    def to_dict(self) -> dict:
        return {"n": self.n, "mean": self.mean, "std": self.std, "sem": self.sem,
                "ci_low": self.ci_low, "ci_high": self.ci_high, "confidence": self.confidence}


def summarize(values, confidence: float = 0.95) -> Summary:
    """Mean, sample std and the t-based confidence interval of the mean of ``values``."""
    xs = [float(v) for v in values]
    n = len(xs)
    if n == 0:
        raise BookError("no values to summarize")
    if not 0 < confidence < 1:
        raise BookError(f"confidence must be in (0, 1), got {confidence}")
    mean = sum(xs) / n
    if n == 1:  # one run says nothing about the spread
        return Summary(1, mean, math.nan, math.nan, math.nan, math.nan, confidence)
    std = math.sqrt(sum((x - mean) ** 2 for x in xs) / (n - 1))
    sem = std / math.sqrt(n)
    half = t_quantile(0.5 + confidence / 2, n - 1) * sem
    return Summary(n, mean, std, sem, mean - half, mean + half, confidence)


# ---------------------------------------------------------------- resumable runs


def _write_json(path: Path, obj: dict) -> None:
    # A crash mid-write leaves the previous file, and so every finished run, intact.
    write_text_atomically(path, json.dumps(obj, indent=2, ensure_ascii=False) + "\n")


def _read_json(path: Path, config: dict) -> list[dict]:
    """The runs already finished in ``path``; refuse a file made with other settings."""
    try:
        old = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise BookError(f"{path} exists but is not readable JSON ({exc}); move it away "
                        f"or choose another --out") from None
    if old.get("format") != FORMAT:
        raise BookError(f"{path} is not a gdsc-book repeat file; choose another --out")
    if old.get("config") != config:
        diff = sorted(k for k in set(old.get("config", {})) | set(config)
                      if old.get("config", {}).get(k) != config.get(k))
        raise BookError(f"{path} holds runs made with other settings ({', '.join(diff)}); "
                        f"use the same settings to resume, or choose another --out")
    return list(old.get("runs", []))


@dataclass
class RepeatResult:
    config: dict
    runs: list[dict]  # one dict per seed: {"seed", "test_acc", ...}
    confidence: float = 0.95

    @property
    def accuracies(self) -> list[float]:
        return [r["test_acc"] for r in self.runs]

    @property
    def summary(self) -> Summary:
        return summarize(self.accuracies, self.confidence)

    def to_dict(self) -> dict:
        return {"format": FORMAT, "config": self.config, "runs": self.runs,
                "summary": self.summary.to_dict() if self.runs else None}


def repeat(run: Callable[[int], dict], seeds, *, path: str | os.PathLike | None = None,
           config: dict | None = None, confidence: float = 0.95,
           log: Callable[[str], None] | None = None) -> RepeatResult:
    """Call ``run(seed)`` for every seed and summarize the returned ``"test_acc"``.

    ``run`` returns a JSON-friendly dict holding at least ``test_acc``. With ``path`` the
    result file is rewritten after every run; runs already in it (same ``config``) are kept
    and skipped, which is how an interrupted repeat resumes.
    """
    config = json.loads(json.dumps(config or {}))  # compare as the file will store it
    seeds = [int(s) for s in seeds]
    if len(set(seeds)) != len(seeds):
        raise BookError(f"seeds must be distinct, got {seeds}")
    path = Path(path) if path is not None else None
    done: dict[int, dict] = {}
    if path is not None and path.exists():
        done = {int(r["seed"]): r for r in _read_json(path, config)}
    result = RepeatResult(config, [], confidence)
    for i, seed in enumerate(seeds):
        if seed in done:
            result.runs.append(done[seed])
            if log:
                log(f"run {i + 1}/{len(seeds)} (seed {seed}): finished before, "
                    f"test accuracy {done[seed]['test_acc']:.4f}")
            continue
        out = dict(run(seed))
        if "test_acc" not in out:
            raise BookError("run(seed) must return a dict with 'test_acc'")
        out = json.loads(json.dumps({"seed": seed, **out}))
        result.runs.append(out)
        if path is not None:
            # Keep runs of seeds not asked for this time, so nothing finished is ever lost.
            extra = [r for s, r in done.items() if s not in seeds]
            _write_json(path, dict(result.to_dict(), runs=result.runs + extra))
        if log:
            log(f"run {i + 1}/{len(seeds)} (seed {seed}): test accuracy {out['test_acc']:.4f}")
    if path is not None:
        extra = [r for s, r in done.items() if s not in seeds]
        _write_json(path, dict(result.to_dict(), runs=result.runs + extra))
    return result
