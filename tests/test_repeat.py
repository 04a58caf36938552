"""Repeated runs: statistics, the resumable JSON file, and `gdsc-book repeat`."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from gdsc_book.cli import main
from gdsc_book.errors import BookError
from gdsc_book.repeat import FORMAT, repeat, summarize, t_quantile

pytestmark = pytest.mark.usefixtures("one_thread")


def test_t_quantiles_match_the_table():
    # Two-sided 95% critical values of Student's t (any statistics table).
    for df, value in [(1, 12.7062), (2, 4.3027), (4, 2.7764), (9, 2.2622), (1000, 1.9623)]:
        assert t_quantile(0.975, df) == pytest.approx(value, abs=1e-4)


def test_summary_by_hand():
    s = summarize([0.70, 0.72, 0.74, 0.76, 0.78])
    assert s.mean == pytest.approx(0.74)
    assert s.std == pytest.approx(math.sqrt(0.001))  # sample std: divide by n - 1 = 4
    half = 2.776445 * math.sqrt(0.001) / math.sqrt(5)
    assert (s.ci_low, s.ci_high) == (pytest.approx(0.74 - half), pytest.approx(0.74 + half))
    assert s.half_width == pytest.approx(half)


def test_one_value_has_no_spread_and_none_is_an_error():
    s = summarize([0.8])
    assert s.mean == 0.8 and math.isnan(s.std) and math.isnan(s.ci_low)
    with pytest.raises(BookError):
        summarize([])


def test_interval_covers_the_true_mean_95_percent_of_the_time():
    rng = np.random.default_rng(0)
    trials, n = 4000, 5
    hits = sum(s.ci_low <= 0.8 <= s.ci_high
               for s in (summarize(rng.normal(0.8, 0.01, n)) for _ in range(trials)))
    # Binomial(4000, 0.95) has std 0.0034: 0.94..0.96 is about three of them.
    assert 0.94 < hits / trials < 0.96


def _fake_run(calls):
    def run(seed):
        calls.append(seed)
        return {"test_acc": 0.5 + seed / 100, "seconds": 0.1}
    return run


def test_repeat_saves_every_run_and_resumes(tmp_path):
    path = tmp_path / "r.json"
    calls: list[int] = []

    def crashing(seed):
        if seed == 2:
            raise KeyboardInterrupt  # the user pressed Ctrl-C during the third run
        return _fake_run(calls)(seed)

    with pytest.raises(KeyboardInterrupt):
        repeat(crashing, range(5), path=path, config={"a": 1})
    saved = json.loads(path.read_text())
    assert saved["format"] == FORMAT and [r["seed"] for r in saved["runs"]] == [0, 1]

    res = repeat(_fake_run(calls), range(5), path=path, config={"a": 1})
    assert calls == [0, 1, 2, 3, 4]  # seeds 0 and 1 ran once, before the interruption
    assert res.accuracies == pytest.approx([0.50, 0.51, 0.52, 0.53, 0.54])
    saved = json.loads(path.read_text())
    assert saved["summary"]["mean"] == pytest.approx(0.52)
    assert saved["summary"]["n"] == 5


def test_repeat_refuses_other_settings_and_keeps_the_file(tmp_path):
    path = tmp_path / "r.json"
    repeat(_fake_run([]), range(2), path=path, config={"lr": 0.1})
    before = path.read_text()
    with pytest.raises(BookError, match="other settings"):
        repeat(_fake_run([]), range(2), path=path, config={"lr": 0.2})
    assert path.read_text() == before
    path.write_text("{not json")
    with pytest.raises(BookError, match="not readable"):
        repeat(_fake_run([]), range(2), path=path, config={"lr": 0.1})
    with pytest.raises(BookError, match="distinct"):
        repeat(_fake_run([]), [1, 1], config={})


def test_cli_repeat_runs_resumes_and_rejects_bad_input(tmp_path, capsys):
    out = tmp_path / "digits.json"
    def args(runs=2):
        return ["repeat", "--dataset", "digits", "--recipe", "quick", "--runs", str(runs),
                "--subset", "400", "--out", str(out)]

    assert main(args()) == 0
    first = json.loads(out.read_text())
    accs = [r["test_acc"] for r in first["runs"]]
    assert len(accs) == 2 and all(0.0 <= a <= 1.0 for a in accs)
    assert first["summary"]["mean"] == pytest.approx(sum(accs) / 2)
    assert (tmp_path / "digits.json.ckpt" / "seed1.pt").exists()
    text = capsys.readouterr().out
    assert "95% CI" in text and "mean" in text

    # Asking for one more run re-uses the two finished ones.
    assert main(args(3)) == 0
    text = capsys.readouterr().out
    assert text.count("finished before") == 2
    assert [r["test_acc"] for r in json.loads(out.read_text())["runs"]][:2] == accs

    before = out.read_text()
    assert main(args() + ["--epochs", "2"]) == 2  # other settings: refused, file kept
    assert out.read_text() == before
    assert "other settings" in capsys.readouterr().err
    assert main(["repeat", "--runs", "0", "--out", str(tmp_path / "x.json")]) == 2
    assert main(["repeat", "--subset", "1", "--out", str(tmp_path / "x.json")]) == 2
    assert not (tmp_path / "x.json").exists()
