# Quiz 1: the functions `gdsc-book grade quiz1` calls. Fill in each body; the contract is on
# the Lab 1 page ("The Quiz 1 grader"). Run `gdsc-book grade quiz1 quiz1.py` to check.
import torch  # noqa: F401
from torch import nn  # noqa: F401


def build_model():
    """Return a new, untrained MNIST model (input N x 1 x 28 x 28, 10 logits out)."""
    raise NotImplementedError("build the model")


def build_optimizer(model):
    """Return an optimizer for model's parameters."""
    raise NotImplementedError("build the optimizer")


def train_model(model, optimizer, train_set, test_set, epochs, checkpoint_path):
    """Train for `epochs`; after every epoch measure the accuracy on test_set and save
    {"model": model.state_dict(), "optimizer": optimizer.state_dict(), "test_acc": acc}
    to checkpoint_path."""
    raise NotImplementedError("train, test every epoch, save a checkpoint")


if __name__ == "__main__":
    pass  # your own full-size runs go here: the grader does not run this part
