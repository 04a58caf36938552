"""``gdsc-book train`` and ``gdsc-book inspect``: a run, a resume, and every bad input."""

from __future__ import annotations

import pytest
import torch

from gdsc_book.cli import main

from .conftest import has_dataset

# Small and fast: the digits dataset needs no files.
BASE = ["train", "--dataset", "digits", "--no-progress", "--batch-size", "64"]


def test_train_writes_a_checkpoint_and_prints_one_summary_line(tmp_path, capsys):
    ck = tmp_path / "soft.pt"
    assert main(BASE + ["--model", "softmax", "--epochs", "2", "--seed", "1",
                        "--checkpoint", str(ck)]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and out[0].startswith("digits softmax seed 1: test accuracy ")
    state = torch.load(ck, weights_only=True)
    assert state["epoch"] == 2 and f"{state['test_acc']:.2%}" in out[0]

    assert main(["inspect", str(ck)]) == 0
    shown = capsys.readouterr().out
    for key in ("model", "optimizer", "test_acc", "epoch", "config", "seed", "rng", "versions"):
        assert f"\n  {key} " in shown, key
    assert "epoch   2" in shown


def test_resume_continues_to_the_same_result(tmp_path, capsys, monkeypatch):
    args = BASE + ["--model", "mlp", "--seed", "0", "--val-fraction", "0.1", "--epochs", "3"]
    full, part = tmp_path / "full.pt", tmp_path / "part.pt"
    assert main(args + ["--checkpoint", str(full)]) == 0

    import gdsc_book.train as train_mod

    original = train_mod.train_model

    def crash_in_epoch_2(epoch, history):
        if epoch == 2:
            raise KeyboardInterrupt  # Ctrl-C before epoch 2 is saved

    monkeypatch.setattr(train_mod, "train_model",
                        lambda *a, **k: original(*a, on_epoch_end=crash_in_epoch_2, **k))
    assert main(args + ["--checkpoint", str(part)]) == 130
    assert torch.load(part, weights_only=True)["epoch"] == 1
    monkeypatch.setattr(train_mod, "train_model", original)
    capsys.readouterr()
    assert main(args + ["--checkpoint", str(part), "--resume"]) == 0
    a = torch.load(full, weights_only=True)
    b = torch.load(part, weights_only=True)
    assert b["epoch"] == 3
    assert a["history"]["test_acc"] == b["history"]["test_acc"]
    assert a["history"]["val_acc"] == b["history"]["val_acc"]
    for (k, wa), wb in zip(a["model"].items(), b["model"].values()):
        assert torch.equal(wa, wb), k


def _fails(argv, capsys, match):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert match in err, err
    return err


def test_bad_input_exits_2_with_a_clear_message_and_overwrites_nothing(tmp_path, capsys):
    ck = tmp_path / "keep.pt"
    _fails(BASE + ["--model", "mlp", "--epochs", "-1"], capsys, "--epochs must be >= 0")
    _fails(BASE + ["--model", "mlp", "--epochs", "1", "--resume", "--checkpoint",
                   str(tmp_path / "none.pt")], capsys, "does not exist")
    _fails(["inspect", str(tmp_path / "none.pt")], capsys, "does not exist")
    ck.write_bytes(b"garbage, not a checkpoint")
    _fails(BASE + ["--model", "mlp", "--epochs", "1", "--resume", "--checkpoint", str(ck)],
           capsys, "corrupt")
    _fails(["inspect", str(ck)], capsys, "corrupt")
    _fails(BASE + ["--model", "mlp", "--epochs", "1", "--checkpoint", str(ck)], capsys,
           "exists. Pass --resume")
    assert ck.read_bytes() == b"garbage, not a checkpoint"
    _fails(BASE + ["--model", "mlp", "--epochs", "1", "--patience", "2"], capsys,
           "--val-fraction")
    with pytest.raises(SystemExit) as exc:  # argparse: unknown model
        main(BASE + ["--model", "resnet", "--epochs", "1"])
    assert exc.value.code == 2
    assert "invalid choice: 'resnet'" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.pt"]


def test_resume_with_other_settings_is_refused(tmp_path, capsys):
    ck = tmp_path / "r.pt"
    assert main(BASE + ["--model", "softmax", "--epochs", "1", "--checkpoint", str(ck)]) == 0
    before = ck.read_bytes()
    _fails(BASE + ["--model", "softmax", "--epochs", "1", "--lr", "0.5", "--checkpoint", str(ck),
                   "--resume"], capsys, "holds another run")
    assert ck.read_bytes() == before


@pytest.mark.skipif(not has_dataset("mnist"), reason="needs MNIST to be absent-able")
def test_dataset_absent_offline_is_a_clear_error(isolated_env, capsys, tmp_path):
    err = _fails(["train", "--dataset", "mnist", "--model", "softmax", "--epochs", "1",
                  "--checkpoint", str(tmp_path / "x.pt")], capsys, "dataset 'mnist' was not found")
    assert "--data-root" in err
    assert not (tmp_path / "x.pt").exists()
