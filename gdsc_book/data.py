"""Datasets (the D of D/M/L) as whole in-memory tensors.

Every dataset loads as a :class:`Dataset`: ``images`` (uint8, N×C×H×W) and ``labels`` (int64).
Batches are then cut by index, which is what makes training fast on a laptop CPU: no
per-sample PIL transform runs inside the training loop.

Where the files come from, in order: ``data_root`` (the CLI's ``--data-root``), the
environment variable ``GDSC_BOOK_DATA``, then the user cache folder. Nothing is downloaded
unless ``download=True`` is asked for.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from gdsc_book.errors import DataError
from gdsc_book.files import write_atomically

if TYPE_CHECKING:  # torch is imported where data is loaded, not to check fingerprints
    import torch

ENV_VAR = "GDSC_BOOK_DATA"
DATASETS = ("mnist", "fashion-mnist", "cifar10", "digits")

# Channel statistics of each training split, used to standardize inputs.
MEAN_STD = {
    "mnist": ((0.1307,), (0.3081,)),
    "fashion-mnist": ((0.2860,), (0.3530,)),
    "cifar10": ((0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)),
    "digits": ((0.3054,), (0.3771,)),
}
CIFAR10_CLASSES = [
    "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"
]
FASHION_SYSTEM_DIR = Path("/usr/share/datasets/fashion-mnist")  # Debian: dataset-fashion-mnist


@dataclass
class Dataset:
    """A whole split in memory."""

    name: str
    train: bool
    images: torch.Tensor  # uint8, N x C x H x W
    labels: torch.Tensor  # int64, N
    classes: list[str]
    source: str  # where it was read from, for provenance
    sha256: str = ""  # fingerprint of the files it was read from
    note: str = ""  # e.g. "JPEG copy: pixels differ slightly from the original"
    extra: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def split(self) -> str:
        return "train" if self.train else "test"

    def float_images(self, normalize: bool = True) -> torch.Tensor:
        """Images as float32 in [0, 1], standardized per channel when ``normalize``."""
        import torch

        x = self.images.float().div_(255.0)
        if normalize:
            mean, std = MEAN_STD[self.name]
            c = x.shape[1]
            x.sub_(torch.tensor(mean).view(1, c, 1, 1)).div_(torch.tensor(std).view(1, c, 1, 1))
        return x

    def subset(self, n: int, seed: int = 0) -> Dataset:
        """A random subset of ``n`` examples (the same for the same seed)."""
        import torch

        if n >= len(self):
            return self
        g = torch.Generator().manual_seed(seed)
        idx = torch.randperm(len(self), generator=g)[:n]
        return Dataset(
            self.name, self.train, self.images[idx], self.labels[idx], self.classes,
            self.source, self.sha256, self.note, dict(self.extra, subset=n, subset_seed=seed),
        )

    def provenance(self) -> dict:
        d = {"dataset": self.name, "split": self.split, "n": len(self), "source": self.source,
             "sha256": self.sha256}
        if self.note:
            d["note"] = self.note
        return d


# ---------------------------------------------------------------- where data lives


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "gdsc-book"


def data_roots(data_root: str | os.PathLike | None = None) -> list[Path]:
    """The folders searched, in order: explicit root, $GDSC_BOOK_DATA, the user cache."""
    roots: list[Path] = []
    for r in (data_root, os.environ.get(ENV_VAR), cache_dir() / "data"):
        if r:
            p = Path(r).expanduser().resolve()
            if p not in roots:
                roots.append(p)
    return roots


def _hash_files(paths: list[Path], content: bool, base: Path | None = None) -> str:
    """Fingerprint files: full content for a few files, (path, size) for thousands.

    Paths count relative to ``base``: the same data must give the same key wherever it lies
    (a figure built here has to stay current on CI, whose data root is elsewhere).
    """
    h = hashlib.sha256()
    for p in paths:
        h.update(p.name.encode() if content else p.relative_to(base).as_posix().encode())
        if content:
            with open(p, "rb") as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    h.update(chunk)
        else:
            h.update(str(p.stat().st_size).encode())
    return h.hexdigest()


# ---------------------------------------------------------------- locating each dataset

_MNIST_FILES = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]
# MD5 sums of the original MNIST files, unpacked (torchvision checks the .gz archives it
# downloads against MNIST.resources, then reads these unchecked): a file cut short or changed
# is named before torchvision trips over it.
MNIST_MD5 = {"train-images-idx3-ubyte": "6bbc9ace898e44ae57da46a324031adb",
             "train-labels-idx1-ubyte": "a25bea736e30d166cdddb491f175f624",
             "t10k-images-idx3-ubyte": "2646ac647ad5339dbf082846283269ea",
             "t10k-labels-idx1-ubyte": "27ae3e4e09519cfbb04c329615203637"}


class CorruptData(DataError):
    """A dataset's files are there but damaged (``data list`` says "corrupt", not "missing")."""

    def __init__(self, name: str, file: Path, why: str):
        self.file, self.why = file, why
        super().__init__(f"dataset '{name}': {file} is corrupt ({why}). Copy that file again "
                         f"from a good source, or download a fresh copy with `gdsc-book data "
                         f"download {name} --data-root EMPTY_FOLDER`")



def _md5(path: Path) -> str:
    h = hashlib.md5()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def verify(name: str, data_root: str | os.PathLike | None = None,
           decode: bool = False) -> None:
    """Check a dataset's files before they are read; :class:`CorruptData` names a bad one.

    MNIST: every file against its known MD5 sum (remembered with the fingerprint, so it is
    hashed once per file version). A JPEG mirror: every image is a non-empty file that starts
    and ends as a JPEG does; ``decode`` also decodes every image not yet in the tensor cache
    (loading always does).
    """
    found = _find(name, data_roots(data_root)) if name != "digits" else None
    if found is None:
        return
    layout, folder = found
    if name == "mnist" and layout == "torchvision":
        for f in _MNIST_FILES:
            path = folder / "MNIST" / "raw" / f
            got = _md5(path)
            if got != MNIST_MD5[f]:
                raise CorruptData(name, path, f"MD5 {got}, expected {MNIST_MD5[f]}; "
                                           f"{path.stat().st_size:,} bytes")
    elif layout == "imagefolder":
        for path in sorted(folder.rglob("*.jpg")):
            size = path.stat().st_size
            if size < 4:
                raise CorruptData(name, path, f"{size} bytes")
            with open(path, "rb") as f:
                head = f.read(2)
                f.seek(-2, os.SEEK_END)
                tail = f.read(2)
            if head != b"\xff\xd8" or tail != b"\xff\xd9":
                raise CorruptData(name, path, "not a whole JPEG file: it lacks the JPEG start or "
                                           "end marker")
        if decode:  # (not from _fingerprint, which calls this without decoding)
            fp = fingerprint(name, data_root)["sha256"]
            for split in ("train", "test"):
                if not (cache_dir() / "tensors" / _tensor_cache(split, fp)).exists():
                    _decode(sorted((folder / split).rglob("*.jpg")))


def _find(name: str, roots: list[Path]) -> tuple[str, Path] | None:
    """Return (layout, folder) of the first root holding ``name``, or None."""
    for root in roots:
        if name == "mnist" and all((root / "MNIST" / "raw" / f).exists() for f in _MNIST_FILES):
            return "torchvision", root
        if name == "fashion-mnist":
            raw = root / "FashionMNIST" / "raw"
            if all((raw / f).exists() for f in _MNIST_FILES):
                return "torchvision", root
        if name == "cifar10":
            if (root / "cifar-10-batches-py" / "batches.meta").exists():
                return "torchvision", root
            if (root / "cifar10-jpeg" / "train").is_dir() and (root / "cifar10-jpeg" / "test").is_dir():
                return "imagefolder", root / "cifar10-jpeg"
    if name == "fashion-mnist" and all(
        (FASHION_SYSTEM_DIR / f"{f}.gz").exists() for f in _MNIST_FILES
    ):
        return "gz", FASHION_SYSTEM_DIR
    return None


def _tried(name: str, roots: list[Path]) -> list[str]:
    sub = {"mnist": "MNIST/raw", "fashion-mnist": "FashionMNIST/raw",
           "cifar10": "cifar-10-batches-py or cifar10-jpeg/{train,test}"}[name]
    tried = [f"{r}/{sub}" for r in roots]
    if name == "fashion-mnist":
        tried.append(f"{FASHION_SYSTEM_DIR} (Debian package dataset-fashion-mnist)")
    return tried


def _missing(name: str, roots: list[Path]) -> DataError:
    lines = "\n".join(f"  - {t}" for t in _tried(name, roots))
    return DataError(
        f"dataset '{name}' was not found. Looked in:\n{lines}\n"
        f"Fix: pass --data-root DIR (or set {ENV_VAR}=DIR) to a folder that holds it, "
        f"or, when online, run: gdsc-book data download {name}"
    )


_FINGERPRINTS: dict[tuple, dict] = {}


def fingerprint(name: str, data_root: str | os.PathLike | None = None) -> dict:
    """Cheap identity of a dataset's files: what the figure cache keys on.

    Memoized per process on the modification times of the folder and the folders two levels
    down (where files of every layout live), so building many figures on MNIST hashes its
    55 MB once, and a file added or removed is noticed.
    """
    found = _find(name, data_roots(data_root)) if name != "digits" else None
    if found is not None:
        folder = found[1]
        dirs = [folder, *folder.glob("*/"), *folder.glob("*/*/")]
        files = [p for d in dirs[1:] for p in d.glob("*") if p.is_file()] if found[0] != \
            "imagefolder" else []  # a few files hashed in full: their sizes and times too
        stamp = (name, str(folder), tuple((str(d), d.stat().st_mtime_ns) for d in dirs),
                 tuple((str(f), f.stat().st_size, f.stat().st_mtime_ns) for f in sorted(files)))
        if stamp not in _FINGERPRINTS:
            _FINGERPRINTS[stamp] = _remembered(stamp, lambda: _fingerprint(name, data_root))
        return dict(_FINGERPRINTS[stamp])
    return _fingerprint(name, data_root)


def _remembered(stamp: tuple, compute) -> dict:
    """A fingerprint kept across runs in the user cache, under the files' names, sizes and
    modification times: a rerun with nothing changed reads no dataset (60,000 CIFAR files)."""
    import json

    memo = cache_dir() / "fingerprints.json"
    tag = hashlib.sha256(repr(stamp).encode()).hexdigest()
    try:
        known = json.loads(memo.read_text())
    except (OSError, ValueError):
        known = {}
    if tag not in known:
        known[tag] = compute()
        try:
            write_atomically(memo, lambda f: f.write(json.dumps(known, indent=1).encode()))
        except OSError:
            pass  # a read-only cache only costs the hashing next time
    return known[tag]


def _fingerprint(name: str, data_root: str | os.PathLike | None = None) -> dict:
    verify(name, data_root)  # a damaged file is named here, and never remembered as good
    if name == "digits":
        from importlib.metadata import version  # the version without importing scikit-learn

        return {"source": f"sklearn.datasets.load_digits (scikit-learn {version('scikit-learn')})",
                "sha256": hashlib.sha256(b"sklearn-digits-1797").hexdigest()}
    found = _find(name, data_roots(data_root))
    if found is None:
        raise _missing(name, data_roots(data_root))
    layout, folder = found
    if layout == "imagefolder":
        files = sorted(p.relative_to(folder) for p in folder.rglob("*.jpg"))
        return {"source": str(folder), "layout": layout,
                "sha256": _hash_files([folder / f for f in files], content=False, base=folder)}
    if layout == "gz":
        files = [folder / f"{f}.gz" for f in _MNIST_FILES]
    elif name == "cifar10":
        files = sorted((folder / "cifar-10-batches-py").glob("*_batch*"))
    else:
        sub = "MNIST" if name == "mnist" else "FashionMNIST"
        files = [folder / sub / "raw" / f for f in _MNIST_FILES]
    return {"source": str(folder), "layout": layout, "sha256": _hash_files(files, content=True)}


# ---------------------------------------------------------------- loading


def load(
    name: str,
    train: bool = True,
    data_root: str | os.PathLike | None = None,
    download: bool = False,
) -> Dataset:
    """Load a whole split into memory. ``name`` is one of :data:`DATASETS`."""
    # torch and numpy here, not at the top: checking fingerprints must not wait for them
    import numpy as np
    import torch

    if name not in DATASETS:
        raise DataError(f"unknown dataset '{name}'; choose one of: {', '.join(DATASETS)}")
    if name == "digits":
        return _load_digits(train)
    roots = data_roots(data_root)
    found = _find(name, roots)
    if found is None:
        if not download:
            raise _missing(name, roots)
        _download(name, roots[0])
        found = _find(name, roots)
        assert found is not None
    layout, folder = found
    fp = fingerprint(name, data_root)["sha256"]
    if name == "cifar10" and layout == "imagefolder":
        return _load_imagefolder(folder, train, fp)
    import torchvision

    if layout == "gz":
        folder = _unpack_gz_fashion(folder)
    cls = {"mnist": torchvision.datasets.MNIST, "fashion-mnist": torchvision.datasets.FashionMNIST,
           "cifar10": torchvision.datasets.CIFAR10}[name]
    ds = cls(str(folder), train=train, download=False)
    if name == "cifar10":
        images = torch.from_numpy(np.ascontiguousarray(ds.data)).permute(0, 3, 1, 2).contiguous()
        labels = torch.tensor(ds.targets, dtype=torch.long)
    else:
        images, labels = ds.data.unsqueeze(1).contiguous(), ds.targets.long()
    return Dataset(name, train, images, labels, list(ds.classes), str(folder), fp)


def _load_digits(train: bool) -> Dataset:
    import numpy as np
    import torch
    from sklearn.datasets import load_digits

    d = load_digits()
    # 0..16 gray levels -> 0..255 so every dataset shares one uint8 convention.
    images = torch.from_numpy(np.round(d.images * (255.0 / 16.0)).astype(np.uint8)).unsqueeze(1)
    labels = torch.from_numpy(d.target.astype(np.int64))
    perm = torch.randperm(len(labels), generator=torch.Generator().manual_seed(0))
    n_test = 360  # a fixed 80/20 split, the same on every machine
    idx = perm[n_test:] if train else perm[:n_test]
    fp = fingerprint("digits")
    return Dataset("digits", train, images[idx], labels[idx], [str(i) for i in range(10)],
                   fp["source"], fp["sha256"])


def _tensor_cache(split: str, fp: str) -> str:
    return f"cifar10-jpeg-{split}-{fp[:16]}.pt"


def _load_imagefolder(folder: Path, train: bool, fp: str) -> Dataset:
    """Decode a class-per-folder JPEG mirror once, then reuse a tensor cache."""
    import torch

    split = "train" if train else "test"
    cache = cache_dir() / "tensors" / _tensor_cache(split, fp)
    note = "JPEG copy of CIFAR-10: pixels differ slightly from the original"
    if cache.exists():
        try:
            blob = torch.load(cache, weights_only=True)
            return Dataset("cifar10", train, blob["images"], blob["labels"], CIFAR10_CLASSES,
                           str(folder), fp, note)
        except Exception:  # a corrupt cache is rebuilt, never trusted
            cache.unlink(missing_ok=True)
    from torchvision.datasets import ImageFolder

    ds = ImageFolder(str(folder / split))
    if ds.classes != CIFAR10_CLASSES:
        raise DataError(f"{folder / split} has classes {ds.classes}, expected {CIFAR10_CLASSES}")
    decoded = _decode([Path(p) for p, _ in ds.samples])
    images = torch.stack(decoded)
    labels = torch.tensor(ds.targets, dtype=torch.long)
    write_atomically(cache, lambda f: torch.save({"images": images, "labels": labels}, f))
    return Dataset("cifar10", train, images, labels, CIFAR10_CLASSES, str(folder), fp, note)


def _decode(paths: list[Path]) -> list[torch.Tensor]:
    """Decode JPEG files to 3×32×32 uint8 tensors; :class:`CorruptData` names a bad one."""
    from torchvision.io import ImageReadMode, decode_jpeg, read_file

    datas = [read_file(str(p)) for p in paths]
    with warnings.catch_warnings():
        # torchvision 0.29 deprecates its decoders in favour of torchcodec; they still work
        # and batch-decode 60k JPEGs far faster than PIL one by one.
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            decoded = decode_jpeg(datas, mode=ImageReadMode.RGB)
        except RuntimeError:  # one bad file fails the batch: find it and name it
            for path, blob in zip(paths, datas):
                try:
                    decode_jpeg(blob, mode=ImageReadMode.RGB)
                except RuntimeError as exc:
                    raise CorruptData("cifar10", path, f"it does not decode: "
                                                       f"{str(exc)[:120]}") from None
            raise
    for path, im in zip(paths, decoded):
        if tuple(im.shape) != (3, 32, 32):
            raise CorruptData("cifar10", path, f"{tuple(im.shape)} pixels, expected 3x32x32")
    return decoded


def _unpack_gz_fashion(folder: Path) -> Path:
    """torchvision reads unpacked idx files: unpack Debian's .gz copies into the cache once."""
    root = cache_dir() / "data"
    raw = root / "FashionMNIST" / "raw"
    if not all((raw / f).exists() for f in _MNIST_FILES):
        for name in _MNIST_FILES:
            with gzip.open(folder / f"{name}.gz", "rb") as src:
                write_atomically(raw / name, lambda dst, src=src: shutil.copyfileobj(src, dst))
    return root


def _download(name: str, root: Path) -> None:
    """Download with torchvision into a temporary folder; move it in only when complete."""
    import torchvision

    cls = {"mnist": torchvision.datasets.MNIST, "fashion-mnist": torchvision.datasets.FashionMNIST,
           "cifar10": torchvision.datasets.CIFAR10}[name]
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=root, prefix=".download-") as tmp:
        try:
            for train in (True, False):
                cls(tmp, train=train, download=True)
        except Exception as exc:  # offline, or a broken mirror: leave nothing behind
            raise DataError(
                f"could not download '{name}' ({type(exc).__name__}: {exc}). "
                f"Nothing was written to {root}. Copy the dataset there by hand, or pass "
                f"--data-root to a folder that already holds it."
            ) from None
        for entry in Path(tmp).iterdir():
            if entry.suffix in (".gz", ".tar") or entry.name.endswith(".tar.gz"):
                continue  # the unpacked files are all we read
            target = root / entry.name
            if not target.exists():
                entry.replace(target)


# ---------------------------------------------------------------- torchvision's CIFAR10 offline

CIFAR10_BATCHES = "cifar-10-batches-py"
_CIFAR10_MANIFEST = "gdsc-book-md5.json"  # our files' MD5 sums, written last: the copy is whole


def torchvision_cifar10_root(data_root: str | os.PathLike | None = None) -> Path:
    """A folder that ``torchvision.datasets.CIFAR10(root, download=False)`` reads, offline.

    The original ``cifar-10-batches-py`` when a data root holds it; otherwise torchvision's
    own layout (five pickled training batches, a test batch, ``batches.meta``) is written once
    into the cache from the JPEG copy, through :func:`load` (same pixels, same tensor cache).
    The training images are shuffled with a fixed seed, as in the original batches, so any
    slice of them holds every class. torchvision checks the original files' MD5 sums, which a
    re-encoded copy cannot match: open it inside :func:`accept_cifar10_copy`.
    """
    import numpy as np
    import torch

    roots = data_roots(data_root)
    for root in roots:
        if (root / CIFAR10_BATCHES / "batches.meta").exists():
            return root
    fp = fingerprint("cifar10", data_root)["sha256"]
    root = cache_dir() / "cifar10-torchvision" / fp[:16]
    folder = root / CIFAR10_BATCHES
    if (folder / _CIFAR10_MANIFEST).exists():
        return root
    import json
    import pickle

    def dump(name: str, obj) -> str:
        blob = pickle.dumps(obj, protocol=4)
        write_atomically(folder / name, lambda f: f.write(blob))
        return hashlib.md5(blob).hexdigest()

    md5 = {}
    for train in (True, False):
        ds = load("cifar10", train=train, data_root=data_root)
        order = torch.randperm(len(ds), generator=torch.Generator().manual_seed(0))
        images = ds.images[order].reshape(len(ds), -1).numpy()  # rows of R, G, B planes
        labels = ds.labels[order].tolist()
        names = [f"data_batch_{i + 1}" for i in range(5)] if train else ["test_batch"]
        size = len(ds) // len(names)
        for i, name in enumerate(names):
            part = slice(i * size, (i + 1) * size)
            md5[name] = dump(name, {
                "batch_label": f"{name} (gdsc-book, from {ds.source})",
                "labels": labels[part], "data": np.ascontiguousarray(images[part]),
                "filenames": [f"{k:05d}.png" for k in range(part.start, part.stop)],
            })
    md5["batches.meta"] = dump("batches.meta", {"num_cases_per_batch": size,
                                                "label_names": CIFAR10_CLASSES, "num_vis": 3072})
    write_atomically(folder / _CIFAR10_MANIFEST, lambda f: f.write(json.dumps(md5).encode()))
    return root


class accept_cifar10_copy:  # noqa: N801 - used as a `with` statement, like a function
    """Within ``with accept_cifar10_copy(root):`` torchvision's ``CIFAR10`` accepts the files
    :func:`torchvision_cifar10_root` wrote: it checks them against their own MD5 sums instead
    of the original ones (still a real check: a damaged file is refused). Nothing changes for
    the original files."""

    def __init__(self, root: str | os.PathLike):
        self.manifest = Path(root) / CIFAR10_BATCHES / _CIFAR10_MANIFEST
        self.saved = None

    def __enter__(self):
        if self.manifest.exists():
            import json

            from torchvision.datasets import CIFAR10

            md5 = json.loads(self.manifest.read_text())
            self.saved = (CIFAR10.train_list, CIFAR10.test_list, CIFAR10.meta)
            CIFAR10.train_list = [[n, md5[n]] for n, _ in CIFAR10.train_list]
            CIFAR10.test_list = [[n, md5[n]] for n, _ in CIFAR10.test_list]
            CIFAR10.meta = dict(CIFAR10.meta, md5=md5["batches.meta"])
        return self

    def __exit__(self, *exc):
        if self.saved is not None:
            from torchvision.datasets import CIFAR10

            CIFAR10.train_list, CIFAR10.test_list, CIFAR10.meta = self.saved
            self.saved = None
        return False
