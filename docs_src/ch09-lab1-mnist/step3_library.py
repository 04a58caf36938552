"""Step 3: the book's train_model does the same, plus resume, validation and NaN checks."""

import torch

from gdsc_book.data import load
from gdsc_book.models import build_model
from gdsc_book.train import evaluate, load_model, train_model

train = load("mnist", train=True).subset(10_000)
test = load("mnist", train=False)
torch.manual_seed(0)
model = build_model("mlp", in_shape=(1, 28, 28), num_classes=10, widths=(256,))
history = train_model(model, train, test, epochs=2, batch_size=128, lr=0.1,
                      scheduler="onecycle", checkpoint="mlp.pt", seed=0)
print("test accuracy per epoch:", [f"{a:.2%}" for a in history.test_acc])
print("seconds per epoch:", [f"{s:.1f}" for s in history.seconds])

state = torch.load("mlp.pt", weights_only=True)
print("the checkpoint holds:", ", ".join(sorted(state)))
print("optimizer state of", len(state["optimizer"]["state"]), "parameters;",
      "test_acc", f"{state['test_acc']:.2%}", "after epoch", state["epoch"])

# Rebuild the model from the checkpoint alone and check its test accuracy.
again = load_model("mlp.pt")
print(f"reloaded model: test accuracy {evaluate(again, test)[1]:.2%}")
