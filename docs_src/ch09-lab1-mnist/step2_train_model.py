"""Step 2: train_model written by hand, with Quiz 1 inside it.

Quiz 1 asks for two things INSIDE the training code: compute the test accuracy, and write a
checkpoint holding the model, the optimizer and the test accuracy. The three functions follow
the grader's contract (`gdsc-book grade quiz1`): build_model, build_optimizer, train_model.
"""

import os

import torch
import torch.nn.functional as F
from torch import nn


def build_model():
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))


def build_optimizer(model):
    return torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)


@torch.no_grad()
def evaluate(model, x, y, batch_size=1000):
    """Mean loss and accuracy: argmax of the logits compared with the labels."""
    model.eval()  # dropout off, batch norm uses its running statistics
    loss, correct = 0.0, 0
    for i in range(0, len(y), batch_size):
        logits = model(x[i:i + batch_size])
        loss += F.cross_entropy(logits, y[i:i + batch_size], reduction="sum").item()
        correct += (logits.argmax(dim=1) == y[i:i + batch_size]).sum().item()
    model.train()
    return loss / len(y), correct / len(y)


def train_model(model, optimizer, train, test, epochs, checkpoint="ckpt.pt", batch_size=128,
                seed=0):
    x_train, y_train = train.float_images(), train.labels
    x_test, y_test = test.float_images(), test.labels
    history = []
    for epoch in range(epochs):
        # 1) one pass over the training set in a seeded random order
        g = torch.Generator().manual_seed(seed * 1000 + epoch)
        perm = torch.randperm(len(y_train), generator=g)
        model.train()
        for start in range(0, len(perm), batch_size):
            idx = perm[start:start + batch_size]
            loss = F.cross_entropy(model(x_train[idx]), y_train[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        # 2) Quiz 1, part 1: test accuracy, inside the loop, after every epoch
        test_loss, test_acc = evaluate(model, x_test, y_test)
        history.append(test_acc)
        print(f"epoch {epoch + 1}: train loss {loss.item():.4f}  "
              f"test loss {test_loss:.4f}  test accuracy {test_acc:.2%}")
        # 3) Quiz 1, part 2: a checkpoint with the model, the optimizer and the test accuracy
        state = {"epoch": epoch + 1, "model": model.state_dict(),
                 "optimizer": optimizer.state_dict(), "test_acc": test_acc, "seed": seed}
        checkpoint = str(checkpoint)
        torch.save(state, checkpoint + ".tmp")  # write aside, then rename: never half a file
        os.replace(checkpoint + ".tmp", checkpoint)
    return history


if __name__ == "__main__":  # the grader imports this file: only a run of its own trains here
    from gdsc_book.data import load

    train = load("mnist", train=True).subset(10_000)  # a subset keeps this snippet quick
    test = load("mnist", train=False)
    torch.manual_seed(0)
    model = build_model()
    train_model(model, build_optimizer(model), train, test, epochs=2)

    state = torch.load("ckpt.pt", weights_only=True)  # tensors and plain values only: safe
    print("checkpoint keys:", sorted(state), f"test_acc={state['test_acc']:.2%}")
