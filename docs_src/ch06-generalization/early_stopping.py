# Early stopping: hold out a validation split, stop when it stops improving.
import torch

from gdsc_book.data import load
from gdsc_book.models import MLP
from gdsc_book.train import train_model

train = load("mnist", train=True).subset(1000, seed=0)
test = load("mnist", train=False).subset(1000, seed=1)

torch.manual_seed(0)
model = MLP(28 * 28, widths=(128,))
history = train_model(model, train, test, epochs=40, lr=0.05,
                      val_fraction=0.2,  # 200 of the 1,000 images: never trained on
                      patience=5)  # stop after 5 epochs without a better validation accuracy
print("stopped early:", history.stopped_early, "after", history.epochs, "epochs")
print("best epoch (chosen on validation):", history.best_epoch)
print("test accuracy of the returned model:", history.final_test_acc)
