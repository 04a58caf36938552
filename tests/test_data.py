"""The data layer: roots, offline errors, in-memory tensors."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
import torch

from gdsc_book import data
from gdsc_book.errors import DataError

from .conftest import has_dataset


def test_digits_needs_no_files(isolated_env):
    train, test = data.load("digits", train=True), data.load("digits", train=False)
    assert len(train) + len(test) == 1797 and len(test) == 360
    assert train.images.dtype == torch.uint8 and train.images.shape[1:] == (1, 8, 8)
    assert train.labels.dtype == torch.long and set(train.labels.tolist()) == set(range(10))
    again = data.load("digits", train=False)
    assert torch.equal(again.labels, test.labels)  # a fixed split on every machine
    assert not (isolated_env / "cache").exists()  # nothing written


def test_standardized_images_have_zero_mean_unit_std():
    x = data.load("digits").float_images()
    assert abs(x.mean().item()) < 0.02 and abs(x.std().item() - 1) < 0.02


def test_root_order_is_explicit_then_env_then_cache(isolated_env, monkeypatch):
    monkeypatch.setenv("GDSC_BOOK_DATA", str(isolated_env / "env"))
    roots = data.data_roots(isolated_env / "explicit")
    assert roots == [isolated_env / "explicit", isolated_env / "env",
                     isolated_env / "cache" / "gdsc-book" / "data"]


@pytest.mark.parametrize("name", ["mnist", "cifar10", "fashion-mnist"])
def test_missing_dataset_says_where_it_looked_and_how_to_fix(isolated_env, monkeypatch, name):
    monkeypatch.setattr(data, "FASHION_SYSTEM_DIR", isolated_env / "no-such-dir")
    root = isolated_env / "empty"
    root.mkdir()
    with pytest.raises(DataError) as err:
        data.load(name, data_root=root)
    msg = str(err.value)
    assert name in msg and str(root) in msg and "--data-root" in msg and "GDSC_BOOK_DATA" in msg
    assert list(root.iterdir()) == []  # no partial files


def test_failed_download_leaves_nothing_behind(isolated_env, monkeypatch):
    import torchvision

    def offline(root, train, download):
        (data.Path(root) / "MNIST" / "raw").mkdir(parents=True)
        (data.Path(root) / "MNIST" / "raw" / "half-written.gz").write_bytes(b"x")
        raise OSError("network is unreachable")

    monkeypatch.setattr(torchvision.datasets, "MNIST", offline)
    root = isolated_env / "root"
    with pytest.raises(DataError, match="Nothing was written"):
        data.load("mnist", data_root=root, download=True)
    assert list(root.rglob("*")) == []


def test_unknown_dataset_is_a_clear_error():
    with pytest.raises(DataError, match="choose one of"):
        data.load("imagenet")


def test_cli_offline_message_has_no_traceback(isolated_env):
    root = isolated_env / "empty"
    root.mkdir()
    r = subprocess.run([sys.executable, "-m", "gdsc_book", "data", "check", "mnist",
                        "--data-root", str(root)], capture_output=True, text=True)
    assert r.returncode == 2
    # An explicit --data-root is honoured: refused when it lacks the data, never skipped.
    assert "does not hold dataset 'mnist'" in r.stderr and "Traceback" not in r.stderr


def test_imagefolder_mirror_loads_and_caches(isolated_env):
    from torchvision.io import encode_jpeg

    mirror = isolated_env / "root" / "cifar10-jpeg"
    g = torch.Generator().manual_seed(0)
    for split in ("train", "test"):
        for c in data.CIFAR10_CLASSES:
            (mirror / split / c).mkdir(parents=True)
            for i in range(2):
                img = torch.randint(0, 256, (3, 32, 32), dtype=torch.uint8, generator=g)
                (mirror / split / c / f"{i:04d}.jpg").write_bytes(encode_jpeg(img).numpy().tobytes())
    ds = data.load("cifar10", train=False, data_root=isolated_env / "root")
    assert ds.images.shape == (20, 3, 32, 32) and ds.labels.tolist() == sorted(ds.labels.tolist())
    assert "JPEG" in ds.note and ds.classes == data.CIFAR10_CLASSES
    cached = list((isolated_env / "cache" / "gdsc-book" / "tensors").glob("*.pt"))
    assert len(cached) == 1
    again = data.load("cifar10", train=False, data_root=isolated_env / "root")
    assert torch.equal(again.images, ds.images)
    # The same files under another root (CI's checkout lies elsewhere) keep the same key,
    # so committed figures stay current; a changed file list does not.
    moved = isolated_env / "elsewhere"
    shutil.copytree(isolated_env / "root", moved)

    def key(root):
        return data.fingerprint("cifar10", root)["sha256"]

    assert key(moved) == key(isolated_env / "root")
    (moved / "cifar10-jpeg" / "test" / "cat" / "0000.jpg").unlink()
    assert key(moved) != key(isolated_env / "root")


def test_two_loaders_filling_the_cache_at_once_both_succeed(isolated_env, monkeypatch):
    """A lab and the tests may decode the mirror at the same moment: neither may fail."""
    from torchvision.io import encode_jpeg

    jpeg = encode_jpeg(torch.zeros(3, 32, 32, dtype=torch.uint8)).numpy().tobytes()
    for split in ("train", "test"):
        for c in data.CIFAR10_CLASSES:
            (isolated_env / "root" / "cifar10-jpeg" / split / c).mkdir(parents=True)
            (isolated_env / "root" / "cifar10-jpeg" / split / c / "0000.jpg").write_bytes(jpeg)
    save, inner = torch.save, {}

    def save_then_let_another_process_finish(obj, f, *a, **k):
        save(obj, f, *a, **k)
        if not inner:  # the other loader writes and renames its cache in between
            inner["started"] = True
            inner["ds"] = data.load("cifar10", train=False, data_root=isolated_env / "root")

    monkeypatch.setattr(torch, "save", save_then_let_another_process_finish)
    ds = data.load("cifar10", train=False, data_root=isolated_env / "root")
    assert len(ds) == len(inner["ds"]) == 10
    tensors = isolated_env / "cache" / "gdsc-book" / "tensors"
    assert [p.suffix for p in tensors.iterdir()] == [".pt"]  # no temporary file left behind


@pytest.mark.skipif(not has_dataset("mnist"), reason="MNIST not available")
def test_real_mnist_in_memory(data_root):
    train = data.load("mnist", train=True, data_root=data_root)
    test = data.load("mnist", train=False, data_root=data_root)
    assert train.images.shape == (60000, 1, 28, 28) and len(test) == 10000
    assert torch.bincount(test.labels).tolist()[:2] == [980, 1135]  # the known class counts
    fp = data.fingerprint("mnist", data_root)
    assert len(fp["sha256"]) == 64 and fp == data.fingerprint("mnist", data_root)


def _mirror(root, jpeg_of):
    for split in ("train", "test"):
        for c in data.CIFAR10_CLASSES:
            (root / "cifar10-jpeg" / split / c).mkdir(parents=True)
            (root / "cifar10-jpeg" / split / c / "0000.jpg").write_bytes(jpeg_of(split, c))


@pytest.mark.parametrize("damage, why", [
    (lambda good: good[: len(good) // 2], "lacks the JPEG start or end marker"),
    (lambda good: good[:2] + b"\x00" * 40 + good[-2:], "it does not decode"),
    (lambda good: b"", "0 bytes"),
])
def test_a_bad_image_in_the_mirror_is_named(isolated_env, capsys, damage, why):
    """Checked by size, JPEG markers and decoding; the message names the file; `data list`
    calls the dataset corrupt, not found."""
    from torchvision.io import encode_jpeg

    from gdsc_book.cli import main

    good = encode_jpeg(torch.zeros(3, 32, 32, dtype=torch.uint8)).numpy().tobytes()
    root = isolated_env / "root"
    _mirror(root, lambda split, c: damage(good) if (split, c) == ("test", "dog") else good)
    bad = root / "cifar10-jpeg" / "test" / "dog" / "0000.jpg"
    with pytest.raises(data.CorruptData, match=why) as err:
        data.load("cifar10", train=False, data_root=root)
    assert err.value.file == bad
    capsys.readouterr()
    assert main(["data", "list", "--data-root", str(root), "cifar10"]) == 0
    assert f"cifar10        corrupt: {bad}" in capsys.readouterr().out
    assert main(["data", "check", "cifar10", "--data-root", str(root)]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and "Traceback" not in err


@pytest.mark.skipif(not has_dataset("mnist"), reason="MNIST not available")
def test_mnist_files_are_checked_against_their_known_md5(data_root, isolated_env, capsys):
    from gdsc_book.cli import main

    raw = isolated_env / "root" / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for f in (data_root / "MNIST" / "raw").iterdir():
        (raw / f.name).write_bytes(f.read_bytes())
    data.verify("mnist", isolated_env / "root")  # the shared copy is the original
    labels = raw / "train-labels-idx1-ubyte"
    blob = bytearray(labels.read_bytes())
    blob[100] = (blob[100] + 1) % 10  # one label changed: the size alone would not tell
    labels.write_bytes(bytes(blob))
    with pytest.raises(data.CorruptData, match="MD5 .*expected a25bea736e30d166cdddb491f175f624"):
        data.load("mnist", train=False, data_root=isolated_env / "root")
    capsys.readouterr()
    assert main(["data", "list", "--data-root", str(isolated_env / "root"), "mnist"]) == 0
    assert f"mnist          corrupt: {labels}" in capsys.readouterr().out
