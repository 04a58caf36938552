"""Watching a student's code from outside: which images reach the model, which items are read.

The grader does not trust what the code says it did. :class:`InputWatch` hooks the model and
recognizes every image it is given by a fingerprint (two fixed random projections), so it can
tell whether the test set went through the model during ``train_model``, how often, and whether
the training set was evaluated in its place. :class:`ItemCounter` counts the items that
torchvision's ``CIFAR10`` hands out, in DataLoader worker processes too.
"""

from __future__ import annotations

import multiprocessing
from collections import Counter

import torch

_TOL = 1e-3  # fingerprints of the same image agree to ~1e-5; different images differ by more


class InputWatch:
    """Count the examples of each known split that pass through ``model``'s forward.

    ``counts[(split, grad)]``: examples of ``split`` seen with gradients on (``grad=True``,
    training) or off (evaluation). ``train_mode[split]``: of those seen with gradients off, how
    many while ``model.training`` was still True (dropout on, batch norm on batch statistics).
    """

    def __init__(self, model: torch.nn.Module, splits: dict[str, torch.Tensor]):
        d = next(iter(splits.values()))[0].numel()
        g = torch.Generator().manual_seed(1234)
        self.proj = torch.randn(d, 2, generator=g, dtype=torch.float64)
        self.keys = {}
        for name, x in splits.items():
            k = self._keys(x)
            order = torch.argsort(k[:, 0])
            self.keys[name] = k[order]
        self.counts: Counter = Counter()
        self.train_mode: Counter = Counter()
        self.handle = model.register_forward_pre_hook(self._hook)

    def _keys(self, x: torch.Tensor) -> torch.Tensor:
        return x.detach().reshape(len(x), -1).to("cpu", torch.float64) @ self.proj

    def _hook(self, module, args):
        if not args or not isinstance(args[0], torch.Tensor) or args[0].dim() < 2:
            return
        x = args[0]
        if x[0].numel() != self.proj.shape[0]:
            return
        k = self._keys(x)
        grad = torch.is_grad_enabled()
        for name, keys in self.keys.items():
            i = torch.searchsorted(keys[:, 0].contiguous(), k[:, 0].contiguous())
            hit = torch.zeros(len(k), dtype=torch.bool)
            for j in (i - 1, i):  # the nearest neighbours on either side
                j = j.clamp(0, len(keys) - 1)
                hit |= ((keys[j] - k).abs() < _TOL * (1 + k.abs())).all(dim=1)
            n = int(hit.sum())
            if n:
                self.counts[(name, grad)] += n
                if not grad and module.training:
                    self.train_mode[name] += n

    def seen(self, split: str, grad: bool) -> int:
        return self.counts[(split, grad)]

    def close(self) -> None:
        self.handle.remove()


class ItemCounter:
    """Count ``__getitem__`` calls of chosen ``torchvision.datasets.CIFAR10`` objects.

    The counters live in shared memory, so items read in forked DataLoader workers count too.
    """

    def __init__(self, watched: dict[str, object]):
        self.ids = {id(obj): name for name, obj in watched.items()}
        self.values = {name: multiprocessing.Value("q", 0) for name in watched}
        self.original = None

    def __enter__(self):
        from torchvision.datasets import CIFAR10

        self.original = original = CIFAR10.__getitem__
        ids, values = self.ids, self.values

        def getitem(dataset, index):
            name = ids.get(id(dataset))
            if name is not None:
                with values[name].get_lock():
                    values[name].value += 1
            return original(dataset, index)

        CIFAR10.__getitem__ = getitem
        return self

    def __exit__(self, *exc):
        from torchvision.datasets import CIFAR10

        CIFAR10.__getitem__ = self.original
        return False

    def read(self, name: str) -> int:
        return self.values[name].value
