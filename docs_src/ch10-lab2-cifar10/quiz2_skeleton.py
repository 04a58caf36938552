# Quiz 2: the functions `gdsc-book grade quiz2` calls. Fill in each body; the check cell below
# grades them (as handed out, every check fails with its hint).
import torch  # noqa: F401
import torchvision  # noqa: F401


def load_cifar10(root):
    """Return (train_set, test_set): torchvision.datasets.CIFAR10(root, train=True/False,
    transform=...) objects."""
    raise NotImplementedError("load CIFAR-10 with torchvision.datasets.CIFAR10")


def train_once(train_set, test_set, seed, epochs):
    """Call torch.manual_seed(seed), train a fresh model for `epochs` on train_set, and return
    (model, test_acc) with test_acc measured on test_set, a fraction in [0, 1]."""
    raise NotImplementedError("train one run")


def five_runs(train_set, test_set, epochs):
    """Call train_once once for each of 5 different seeds and return
    {"accuracies": [...], "mean": ...}."""
    raise NotImplementedError("repeat train_once with 5 seeds")


# Challenge (optional): an MNIST model fine-tuned on CIFAR-10.
def pretrain_mnist(train_set, epochs):
    """Train a model on the MNIST split given (1x28x28 standardized images) and return it."""
    raise NotImplementedError("train on MNIST")


def finetune(mnist_model, train_set, test_set, seed, epochs):
    """Start from mnist_model (3 input channels, a new 10-class head), train on CIFAR-10 and
    return (model, test_acc)."""
    raise NotImplementedError("fine-tune the MNIST model")
