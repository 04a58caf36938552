"""Every bad input of issue 16, one by one: exit code 2, one paragraph naming the problem and
the fix, and nothing written. Output locations and data roots are checked before training.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from gdsc_book.checkpoint import FORMAT
from gdsc_book.cli import main

from .conftest import has_dataset

BASE = ["train", "--dataset", "digits", "--model", "softmax", "--epochs", "1", "--no-progress"]


@pytest.fixture
def no_training(monkeypatch):
    """Fail the test if a call gets as far as training: its checks must come first."""
    import gdsc_book.recipes  # noqa: F401  binds train_model by name: import it unpatched
    import gdsc_book.train as train_mod

    def trained(*a, **k):
        raise AssertionError("training started before the bad input was refused")

    monkeypatch.setattr(train_mod, "train_model", trained)


def _refused(argv, capsys, *needles) -> str:
    capsys.readouterr()
    assert main(argv) == 2, argv
    err = capsys.readouterr().err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in err, err
    return err


@pytest.mark.parametrize("extra, needles", [
    (["--lr", "-1"], ["--lr must be a positive number, got -1.0", "Pass e.g. --lr"]),
    (["--lr", "nan"], ["--lr must be a positive number"]),
    (["--device", "banana"], ["--device 'banana' is not a device name", "--device cpu"]),
    (["--device", "meta"], ["training runs on cpu, cuda, mps only"]),
    (["--seed", "20000000000000"], ["--seed must be a whole number from 0 to 4294967295"]),
    (["--subset", "2", "--val-fraction", "0.5"],
     ["--val-fraction 0.5 of --subset 2 (2 examples) leaves 1 to train on"]),
    (["--val-fraction", "0.9999"], ["leaves 0 to train on", "smaller --val-fraction"]),
    (["--patience", "0", "--val-fraction", "0.1"], ["--patience must be >= 1"]),
    (["--batch-size", "0"], ["--batch-size must be >= 1"]),
])
def test_train_options_refused_before_training(extra, needles, capsys, no_training, tmp_path):
    ck = tmp_path / "x.pt"
    _refused(BASE + extra + ["--checkpoint", str(ck)], capsys, *needles)
    assert not ck.exists()


@pytest.mark.skipif(torch.cuda.is_available(), reason="a GPU is there: --device cuda is fine")
def test_cuda_without_a_gpu_is_refused(capsys, no_training):
    _refused(BASE + ["--device", "cuda"], capsys, "no CUDA GPU is usable here", "--device cpu")


def test_unwritable_outputs_are_refused_before_any_work(tmp_path, capsys, no_training):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    _refused(BASE + ["--checkpoint", str(blocker / "ck.pt")], capsys, "is a file, not a folder")
    _refused(BASE + ["--checkpoint", str(tmp_path)], capsys, "is a folder")
    if Path("/proc/self").is_dir():  # writable to nobody, root included
        _refused(BASE + ["--checkpoint", "/proc/gdsc-book.pt"], capsys, "cannot write in /proc")
    _refused(["repeat", "--dataset", "digits", "--out", str(blocker / "r.json")], capsys,
             "--out", "is a file, not a folder")
    _refused(["figures", "ch01_tpe", "--quick", "--out", str(blocker / "figs")], capsys,
             "is a file, not a folder")
    if Path("/sys").is_dir():
        _refused(["figures", "ch01_tpe", "--quick", "--out", "/sys/x"], capsys,
                 "--out /sys/x: cannot write in /sys")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]


def test_disk_full_while_saving_is_a_clear_error(tmp_path, capsys, monkeypatch):
    import gdsc_book.checkpoint as checkpoint_mod

    def full(state, path):
        raise RuntimeError("[enforce fail at inline_container.cc:626] . unexpected pos 64")

    monkeypatch.setattr(checkpoint_mod, "save_checkpoint", full)
    _refused(BASE + ["--checkpoint", str(tmp_path / "ck.pt")], capsys,
             "could not write the checkpoint", "disk full")


def test_explicit_data_root_is_honoured_or_refused(tmp_path, capsys, no_training):
    empty = tmp_path / "empty"
    empty.mkdir()
    # Refused even where $GDSC_BOOK_DATA or the cache holds MNIST: it was asked for explicitly.
    err = _refused(["train", "--dataset", "mnist", "--model", "softmax", "--data-root",
                    str(empty)], capsys, f"--data-root {empty} does not hold dataset 'mnist'")
    assert str(empty / "MNIST" / "raw") in err
    _refused(["data", "check", "--data-root", str(empty), "mnist"], capsys, "does not hold")
    _refused(["data", "check", "--data-root", str(tmp_path / "nope"), "cifar10"], capsys,
             "is not a folder")
    _refused(["figures", "ch01_experience", "--quick", "--out", str(tmp_path / "f"),
              "--data-root", str(empty)], capsys, "does not hold dataset 'mnist'")


def test_positionals_may_follow_options(capsys, tmp_path):
    assert main(["data", "check", "--data-root", str(tmp_path), "digits"]) == 0
    assert "digits" in capsys.readouterr().out


@pytest.mark.skipif(not has_dataset("mnist"), reason="needs MNIST")
def test_corrupt_dataset_files_are_a_clear_error(tmp_path, capsys, data_root):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for f in (data_root / "MNIST" / "raw").iterdir():
        data = f.read_bytes()
        (raw / f.name).write_bytes(data[: len(data) // 2] if "t10k-images" in f.name else data)
    # Named by its MD5 sum before torchvision reads it (torchvision checks only downloads).
    _refused(["data", "check", "--data-root", str(tmp_path), "mnist"], capsys,
             f"{raw / 't10k-images-idx3-ubyte'} is corrupt (MD5", "Copy that file again")


def _repeat(out: Path) -> list[str]:
    return ["repeat", "--dataset", "digits", "--recipe", "quick", "--runs", "1", "--subset",
            "40", "--no-progress", "--out", str(out)]


@pytest.mark.parametrize("content, needle", [
    ("[1, 2, 3]", "is not a gdsc-book repeat file"),
    (json.dumps({"format": "gdsc-book-repeat/1", "config": {}, "runs": [{"test_acc": 0.5}]}),
     "run 1 is not a finished run"),
    (json.dumps({"format": "gdsc-book-repeat/1", "config": [], "runs": []}),
     "\"config\" must be an object"),
    ("{not json", "is not readable JSON"),
])
def test_repeat_refuses_a_malformed_out_file(content, needle, tmp_path, capsys, no_training):
    out = tmp_path / "r.json"
    out.write_text(content)
    _refused(_repeat(out), capsys, needle, "choose another --out")
    assert out.read_text() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json"]


def test_one_repeat_run_writes_strict_json(tmp_path, capsys, one_thread):
    out = tmp_path / "r.json"
    assert main(_repeat(out)) == 0
    saved = json.loads(out.read_text(), parse_constant=pytest.fail)  # no bare NaN
    assert saved["summary"]["std"] is None and saved["summary"]["n"] == 1
    text = capsys.readouterr().out
    assert "one run: no spread or interval" in text
    assert "test accuracy " in text and "%" in text.split("test accuracy ")[1].split()[0]


def test_the_interval_of_an_accuracy_stays_in_0_1():
    from gdsc_book.repeat import summarize
    from gdsc_book.report import summary_line

    s = summarize([0.1, 0.9])  # t-interval [-4.6, 5.6]
    assert s.ci_low < 0 and s.ci_high > 1
    line = summary_line(s)
    assert "CI [0.00%, 100.00%]" in line and "clipped" in line


def _marked(path: Path, **fields) -> None:
    state = {"format": FORMAT, "epoch": 1, "model": {"w": torch.zeros(2)},
             "optimizer": {"state": {}, "param_groups": []}, "test_acc": 0.5}
    torch.save(dict(state, **fields), path)


@pytest.mark.parametrize("fields, needle", [
    ({"model": "weights"}, "'model' should be a dict of tensors, got str"),
    ({"test_acc": "high"}, "'test_acc' should be a number"),
    ({"history": [1, 2]}, "'history' should be a dict"),
    ({"history": {"train_loss": [0.1], "train_acc": "x", "seconds": [1.0]}},
     "'history.train_acc'"),
    ({"best": {"epoch": 1}}, "'best' should be None or a dict"),
    ({"config": None}, "'config' should be a dict"),
])
def test_inspect_refuses_a_marked_file_with_wrong_types(fields, needle, tmp_path, capsys):
    ck = tmp_path / "x.pt"
    _marked(ck, **fields)
    _refused(["inspect", str(ck)], capsys, "carries the gdsc-book checkpoint marker", needle)


def test_resume_refuses_another_dataset_or_model_saying_what_differs(tmp_path, capsys,
                                                                     one_thread):
    ck = tmp_path / "r.pt"
    assert main(BASE + ["--subset", "40", "--checkpoint", str(ck)]) == 0
    before = ck.read_bytes()
    # MNIST is never loaded: the dataset differs, which is known from the checkpoint alone.
    _refused(["train", "--dataset", "mnist", "--model", "softmax", "--epochs", "1",
              "--checkpoint", str(ck), "--resume"], capsys,
             "cannot resume from", "dataset: checkpoint digits, now mnist", "--force")
    err = _refused(["train", "--dataset", "digits", "--model", "mlp", "--epochs", "1",
                    "--subset", "40", "--checkpoint", str(ck), "--resume"], capsys,
                   "model: checkpoint softmax, now mlp")
    assert err.count("\n") == 1  # one paragraph
    _refused(BASE + ["--subset", "50", "--checkpoint", str(ck), "--resume"], capsys,
             "n_train (examples): checkpoint 40, now 50")
    assert ck.read_bytes() == before


def test_interrupt_names_the_checkpoint_and_the_command_that_resumes(tmp_path, capsys,
                                                                     monkeypatch, one_thread):
    import gdsc_book.train as train_mod

    original = train_mod.train_model

    def stop_in_epoch_2(epoch, history):
        if epoch == 2:
            raise KeyboardInterrupt

    ck = tmp_path / "run.pt"
    stale = tmp_path / ".run.pt.abc123.tmp"  # what a save killed mid-write leaves
    stale.write_bytes(b"half")
    argv = ["train", "--dataset", "digits", "--model", "softmax", "--epochs", "3", "--subset",
            "60", "--no-progress", "--checkpoint", str(ck), "--force"]
    monkeypatch.setattr(train_mod, "train_model",
                        lambda *a, **k: original(*a, on_epoch_end=stop_in_epoch_2, **k))
    capsys.readouterr()
    assert main(argv) == 130
    err = capsys.readouterr().err
    assert not stale.exists() and "left by a save that was killed" in err
    assert f"Kept checkpoint {ck} (epoch 1 of 3 finished)" in err
    command = err.split("Resume with:\n")[1].strip()
    words = shlex.split(command)
    assert words[0] == "gdsc-book" and "--resume" in words and "--force" not in words
    monkeypatch.setattr(train_mod, "train_model", original)
    assert main(words[1:]) == 0  # the printed command really resumes
    assert torch.load(ck, weights_only=True)["epoch"] == 3


def test_help_and_version_do_not_import_torch():
    code = ("import sys\nfrom gdsc_book.cli import build_parser, main\n"
            "build_parser().format_help()\n"
            "for argv in (['--help'], ['--version']):\n"
            "    try:\n        main(argv)\n    except SystemExit as e:\n"
            "        assert e.code == 0\n"
            "heavy = [m for m in ('torch', 'torchvision', 'matplotlib', 'sklearn') "
            "if m in sys.modules]\n"
            "assert not heavy, heavy\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "usage: gdsc-book" in r.stdout and "gdsc-book 0." in r.stdout


def test_interrupted_repeat_keeps_finished_runs_in_strict_json(tmp_path, capsys, monkeypatch,
                                                               one_thread):
    import gdsc_book.recipes as recipes

    original, calls = recipes.run, []

    def second_run_interrupted(*a, **k):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return original(*a, **k)

    monkeypatch.setattr(recipes, "run", second_run_interrupted)
    out = tmp_path / "r.json"
    argv = _repeat(out)
    argv[argv.index("--runs") + 1] = "2"
    capsys.readouterr()
    assert main(argv) == 130
    err = capsys.readouterr().err
    assert f"finished runs are kept in {out}" in err
    assert "Continue with the same command:\n  gdsc-book repeat " in err
    saved = json.loads(out.read_text(), parse_constant=pytest.fail)  # one run: no bare NaN
    assert [r["seed"] for r in saved["runs"]] == [0]
