"""Property-based tests of the command line: whatever options and files it is given, it ends
with exit code 0 or 2 (a clear message), never a traceback, and a refused call changes no file.

Hypothesis draws option values (valid, out of range, NaN, huge) and output and input files
(missing, a folder, under a file, on a virtual file system, garbage, a checkpoint with the
marker but wrong types, a result file of the wrong shape). Everything runs in-process through
``gdsc_book.cli.main`` on the digits dataset (no files needed, 1 epoch on at most 64 images),
so the whole module takes about 20 s of CPU time.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gdsc_book.checkpoint import FORMAT
from gdsc_book.cli import main

SETTINGS = settings(max_examples=20, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow,
                                           HealthCheck.function_scoped_fixture])

# Values where a program usually breaks: signs, zero, the edges of int64, NaN, infinities.
INTS = st.one_of(st.integers(-3, 70), st.sampled_from([2**32, 2**63, 20000000000000]))
FLOATS = st.one_of(st.floats(-2, 2), st.sampled_from([0.0, 1.0, float("nan"), float("inf"),
                                                      -float("inf"), 1e308]))


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    # Tiny tensors: more torch threads only wait for each other on a shared CPU.
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def _snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file()}


def _call(argv: list[str], capsys) -> tuple[int, str]:
    capsys.readouterr()
    try:
        rc = main(argv)
    except SystemExit as exc:  # argparse: a wrong option or value
        rc = exc.code
    err = capsys.readouterr().err
    assert rc in (0, 2), (argv, rc, err)
    assert "Traceback" not in err, err
    if rc == 2:
        assert err.strip(), f"{argv}: exit 2 without a message"
    return rc, err


def _marked(**fields) -> dict:
    state = {"format": FORMAT, "epoch": 1, "model": {"w": torch.zeros(2)},
             "optimizer": {"state": {}, "param_groups": []}, "test_acc": 0.5}
    state.update(fields)
    return state


# A value of the wrong type (or a plausible one) for any checkpoint field.
ANY = st.one_of(st.none(), st.booleans(), st.integers(-2, 5), st.floats(allow_nan=True),
                st.text(max_size=3), st.just(torch.ones(3)), st.just([1, "a"]),
                st.just({"epoch": "x"}), st.just({1: 2}), st.just({"train_loss": [0.1]}))
FIELDS = ("epoch", "model", "optimizer", "test_acc", "test_loss", "config", "history", "best",
          "rng", "versions", "seed", "model_spec", "scheduler")


def _files(tmp: Path) -> dict[str, str]:
    """Paths a generated option may point at; the existing ones must survive a refusal."""
    (tmp / "folder").mkdir()
    (tmp / "garbage.pt").write_bytes(b"not a checkpoint")
    torch.save(_marked(model="weights", history=[1]), tmp / "marked.pt")
    (tmp / "list.json").write_text("[1, 2, 3]")
    (tmp / "noseed.json").write_text(json.dumps({"format": "gdsc-book-repeat/1", "config": {},
                                                 "runs": [{"test_acc": 0.5}]}))
    (tmp / "binary.json").write_bytes(b"\xff\xfe\x00")
    return {"new": str(tmp / "new.pt"), "folder": str(tmp / "folder"),
            "garbage": str(tmp / "garbage.pt"), "marked": str(tmp / "marked.pt"),
            "under-file": str(tmp / "garbage.pt" / "x.pt"), "virtual": "/proc/gdsc-book-x.pt",
            "list": str(tmp / "list.json"), "noseed": str(tmp / "noseed.json"),
            "binary": str(tmp / "binary.json"), "deep-new": str(tmp / "a" / "b" / "new.json")}


# Each train option: values that work, and values that must be refused.
GOOD = {
    "--model": st.sampled_from(["softmax", "mlp"]),
    "--epochs": st.integers(0, 1),
    "--lr": st.floats(0.001, 1.0),
    "--seed": st.integers(0, 2**32 - 1),
    "--subset": st.integers(8, 64),
    "--val-fraction": st.sampled_from([0.0, 0.1, 0.5]),
    "--batch-size": st.integers(1, 64),
    "--patience": st.none(),
    "--device": st.sampled_from(["cpu", None]),
    "--checkpoint": st.sampled_from(["none", "new"]),
    "--resume": st.just(False),
}
BAD = {
    "--model": st.sampled_from(["resnet", ""]),
    "--epochs": st.sampled_from([-1, -(2**63)]),
    "--lr": st.sampled_from([-1.0, 0.0, float("nan"), float("inf"), -float("inf")]),
    "--seed": st.sampled_from([-1, 2**32, 2**63, 20000000000000]),
    "--subset": st.integers(-2, 1),
    "--val-fraction": st.sampled_from([-0.1, 1.0, 1.5, float("nan"), float("inf")]),
    "--batch-size": st.integers(-2, 0),
    "--patience": st.integers(-1, 0),
    "--device": st.sampled_from(["cuda:7", "banana", "meta", ""]
                                + ([] if torch.cuda.is_available() else ["cuda"])),
    "--checkpoint": st.sampled_from(["folder", "garbage", "marked", "under-file", "virtual"]),
    "--resume": st.just(True),
}


def _train_argv(opts: dict, files: dict, force: bool = False) -> list[str]:
    argv = ["train", "--dataset", "digits", "--no-progress"]
    for opt, value in opts.items():
        if opt == "--checkpoint":
            argv += [] if value == "none" else [opt, files[value]]
        elif opt == "--resume":
            argv += [opt] * value
        elif value is not None:
            argv += [opt, str(value)]
    return argv + ["--force"] * force


def _changed(before: dict, after: dict) -> set[str]:
    return {k for k in set(before) | set(after) if before.get(k) != after.get(k)}


@pytest.mark.parametrize("bad", sorted(BAD))
@settings(SETTINGS, max_examples=8)  # refused calls are cheap: no data is read
@given(data=st.data())
def test_train_refuses_each_bad_option_and_writes_nothing(capsys, bad, data):
    opts = {o: data.draw((BAD if o == bad else GOOD)[o], label=o) for o in GOOD}
    _refused_and_nothing_written(capsys, opts, _files, _train_argv)


def _refused_and_nothing_written(capsys, opts: dict, files_of, argv_of) -> None:
    """The command built from ``opts`` exits 2 and leaves its folder as it was."""
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        files = files_of(tmp)
        before = _snapshot(tmp)
        rc, _ = _call(argv_of(opts, files), capsys)
        assert rc == 2, opts
        assert _snapshot(tmp) == before


@st.composite
def train_options(draw) -> dict:
    broken = draw(st.sets(st.sampled_from(sorted(GOOD)), max_size=2))
    return {opt: draw((BAD if opt in broken else GOOD)[opt]) for opt in GOOD}


@settings(SETTINGS, max_examples=10)
@given(opts=train_options(), force=st.booleans(), previous=st.booleans())
def test_train_never_ends_in_a_traceback(capsys, opts, force, previous):
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        files = _files(tmp)
        if previous and opts["--checkpoint"] == "new":  # a checkpoint of another run
            assert main(["train", "--dataset", "digits", "--model", "softmax", "--epochs", "1",
                         "--subset", "40", "--no-progress", "--checkpoint", files["new"]]) == 0
        before = _snapshot(tmp)
        rc, _ = _call(_train_argv(opts, files, force), capsys)
        changed = _changed(before, _snapshot(tmp))
        if rc == 2 or opts["--checkpoint"] == "none":
            assert not changed, opts
        else:  # only the checkpoint may have been written
            assert changed <= {str(Path(files[opts["--checkpoint"]]).relative_to(tmp))}


REPEAT_GOOD = {"--runs": st.just(1), "--epochs": st.sampled_from([None, 1]),
               "--subset": st.integers(8, 40), "--seed": st.integers(0, 2**32 - 2),
               "--confidence": st.sampled_from([0.9, 0.95]),
               "--out": st.sampled_from(["deep-new", "new-json"])}
REPEAT_BAD = {"--runs": st.integers(-1, 0), "--epochs": st.integers(-1, 0),
              "--subset": st.integers(-1, 1), "--seed": INTS.filter(lambda v: v < 0 or v > 2**31),
              "--confidence": FLOATS.filter(lambda v: not 0 < v < 1),
              "--out": st.sampled_from(["list", "noseed", "binary", "folder", "garbage",
                                        "under-file", "virtual"])}


def _repeat_argv(opts: dict, files: dict) -> list[str]:
    argv = ["repeat", "--dataset", "digits", "--recipe", "quick", "--no-progress",
            "--no-checkpoints"]
    for opt, value in opts.items():
        if value is not None:
            argv += [opt, files[value] if opt == "--out" else str(value)]
    return argv


def _repeat_files(tmp: Path) -> dict:
    return dict(_files(tmp), **{"new-json": str(tmp / "r.json")})


@pytest.mark.parametrize("bad", sorted(REPEAT_BAD))
@settings(SETTINGS, max_examples=4)
@given(data=st.data())
def test_repeat_refuses_each_bad_option_and_writes_nothing(capsys, bad, data):
    opts = {o: data.draw((REPEAT_BAD if o == bad else REPEAT_GOOD)[o], label=o)
            for o in REPEAT_GOOD}
    _refused_and_nothing_written(capsys, opts, _repeat_files, _repeat_argv)


@st.composite
def repeat_options(draw) -> dict:
    broken = draw(st.sets(st.sampled_from(sorted(REPEAT_GOOD)), max_size=2))
    return {o: draw((REPEAT_BAD if o in broken else REPEAT_GOOD)[o]) for o in REPEAT_GOOD}


@settings(SETTINGS, max_examples=6)
@given(opts=repeat_options())
def test_repeat_never_ends_in_a_traceback(capsys, opts):
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        files = _repeat_files(tmp)
        before = _snapshot(tmp)
        rc, _ = _call(_repeat_argv(opts, files), capsys)
        if rc == 2:
            assert _snapshot(tmp) == before, opts
        else:  # a new result file, and valid JSON (no bare NaN)
            json.loads(Path(files[opts["--out"]]).read_text(), parse_constant=pytest.fail)


@settings(SETTINGS, max_examples=60)
@given(st.dictionaries(st.sampled_from(FIELDS), ANY, max_size=4))
def test_inspect_of_a_marked_file_with_any_types(capsys, fields):
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "x.pt"
        torch.save(_marked(**fields), path)
        before = path.read_bytes()
        _call(["inspect", str(path)], capsys)
        assert path.read_bytes() == before


@settings(SETTINGS, max_examples=15)
@given(action=st.sampled_from(["list", "check"]),
       names=st.lists(st.sampled_from(["digits", "mnist", "cifar10", "imagenet"]), max_size=2),
       root=st.sampled_from([None, "empty", "missing", "file"]), after=st.booleans())
def test_data_never_ends_in_a_traceback(capsys, action, names, root, after):
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        (tmp / "empty").mkdir()
        (tmp / "file").write_text("x")
        opt = [] if root is None else ["--data-root", str(tmp / root)]
        # Positionals may come after the options too (`data check --data-root X mnist`).
        argv = ["data", action, *opt, *names] if after else ["data", action, *names, *opt]
        if root is None and action == "check":
            argv = ["data", action, *[n for n in names if n in ("digits", "imagenet")]] or \
                ["data", action, "digits"]
        _call(argv, capsys)


def _mnist_copy(tmp: Path, source: Path) -> Path:
    """MNIST in torchvision's layout: the image files linked, the small label files copied."""
    raw = tmp / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for f in (source / "MNIST" / "raw").iterdir():
        if "labels" in f.name:
            (raw / f.name).write_bytes(f.read_bytes())
        else:
            (raw / f.name).symlink_to(f)
    return raw


@settings(SETTINGS, max_examples=12)
@given(which=st.sampled_from(["train-labels-idx1-ubyte", "t10k-labels-idx1-ubyte"]),
       how=st.sampled_from(["cut", "byte", "empty", "grow"]), where=st.floats(0, 1),
       command=st.sampled_from(["check", "list", "train"]))
def test_a_damaged_dataset_file_is_named_never_a_traceback(capsys, which, how, where, command):
    """Any damage to an MNIST file: `data check` and `train` exit 2 naming the file, `data
    list` calls it corrupt; the data folder is left as it was."""
    from .conftest import shared_data_root

    source = shared_data_root()
    if source is None or not (source / "MNIST" / "raw").is_dir():
        pytest.skip("MNIST not available")
    with tempfile.TemporaryDirectory() as d:
        raw = _mnist_copy(Path(d), source)
        blob = bytearray((raw / which).read_bytes())
        at = min(int(where * len(blob)), len(blob) - 1)
        blob = {"cut": lambda b: b[:at], "empty": lambda b: b"",
                "grow": lambda b: b + b"\x00",
                "byte": lambda b: b[:at] + bytes([(b[at] + 1) % 256]) + b[at + 1:]}[how](blob)
        (raw / which).write_bytes(bytes(blob))
        copied = sorted(raw.glob("*labels*"))  # (the linked image files are read-only)
        before = [f.read_bytes() for f in copied]
        root = ["--data-root", d]
        argv = {"check": ["data", "check", "mnist", *root],
                "list": ["data", "list", "mnist", *root],
                "train": ["train", "--model", "softmax", "--epochs", "1", "--no-progress",
                          *root]}[command]
        capsys.readouterr()
        rc, err = _call(argv, capsys) if command != "list" else (main(argv), "")
        if command == "list":
            assert rc == 0 and f"corrupt: {raw / which}" in capsys.readouterr().out
        else:
            assert rc == 2 and f"{raw / which} is corrupt" in err, err
        assert [f.read_bytes() for f in copied] == before
