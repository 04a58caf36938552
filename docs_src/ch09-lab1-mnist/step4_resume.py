"""Step 4: stop a run half-way, resume it from its checkpoint, land on the same numbers."""

import torch

from gdsc_book.data import load
from gdsc_book.models import build_model
from gdsc_book.train import train_model

train = load("mnist", train=True).subset(5_000)
test = load("mnist", train=False).subset(2_000)
settings = dict(epochs=3, batch_size=128, lr=0.1, scheduler="onecycle", seed=0)


def fresh_model():
    torch.manual_seed(0)
    return build_model("mlp", (1, 28, 28), 10, widths=(128,), dropout=0.2)


full = train_model(fresh_model(), train, test, checkpoint="full.pt", **settings)


def power_cut(epoch, history):
    if epoch == 2:
        raise KeyboardInterrupt  # the run dies before epoch 2 is saved


try:
    train_model(fresh_model(), train, test, checkpoint="cut.pt", on_epoch_end=power_cut,
                **settings)
except KeyboardInterrupt:
    print("interrupted; the checkpoint holds epoch",
          torch.load("cut.pt", weights_only=True)["epoch"])

resumed = train_model(fresh_model(), train, test, checkpoint="cut.pt", resume=True, **settings)
print("uninterrupted:", [f"{a:.4f}" for a in full.test_acc])
print("resumed:      ", [f"{a:.4f}" for a in resumed.test_acc])
assert resumed.test_acc == full.test_acc and resumed.train_loss == full.train_loss
