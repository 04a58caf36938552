"""Softmax regression (a linear neural network) on MNIST, trained with train_model."""

import torch

from gdsc_book.data import load
from gdsc_book.models import SoftmaxRegression
from gdsc_book.train import train_model

train = load("mnist", train=True).subset(5000)  # a small slice: this runs in seconds
test = load("mnist", train=False).subset(2000)

torch.manual_seed(0)
model = SoftmaxRegression(in_shape=(1, 28, 28), num_classes=10)  # logits = W x + b
print("parameters:", sum(p.numel() for p in model.parameters()))  # 10 * 784 + 10

history = train_model(model, train, test, epochs=2, loss="ce", lr=0.01, momentum=0.9)
print("test accuracy per epoch:", [f"{a:.1%}" for a in history.test_acc])

W = model.linear.weight.detach().reshape(10, 28, 28)  # one 28x28 weight image per digit
print("W as images:", tuple(W.shape))
