# MNIST -> CIFAR-10: train the Lab 1 CNN on MNIST, then reuse it on colour images.
import torch

from gdsc_book import data
from gdsc_book.augment import FlipCrop
from gdsc_book.finetune import trainable_parameters, transfer
from gdsc_book.models import build_model
from gdsc_book.recipes import get_recipe
from gdsc_book.train import train_model

mnist = data.load("mnist", train=True).subset(2000)
torch.manual_seed(0)
lab1 = get_recipe("cnn")["model_kwargs"]  # the Lab 1 CNN's layout: 1 x 28 x 28 input
pretrained = build_model("cnn", (1, 28, 28), 10, **lab1)
train_model(pretrained, mnist, epochs=1, lr=0.2, scheduler="onecycle")

cifar = data.load("cifar10", train=True).subset(1000)
cifar_test = data.load("cifar10", train=False).subset(500)
for mode in ("finetune", "frozen"):
    # First conv inflated to 3 channels, a new 10-class head; "frozen" trains the head only.
    model = transfer(pretrained, mode, in_channels=3, num_classes=10, seed=0)
    h = train_model(model, cifar, cifar_test, epochs=1, lr=0.2, scheduler="onecycle",
                    augment=FlipCrop(4))
    print(f"{mode:8} trainable parameters {trainable_parameters(model):6d}  "
          f"test accuracy {h.test_acc[-1]:.3f}")
