"""D, M and L in twenty lines: softmax regression on scikit-learn's 8x8 digits."""

import torch
from torch import nn

from gdsc_book.data import load

# D: data. 1,797 handwritten digits bundled with scikit-learn: nothing to download.
train, test = load("digits", train=True), load("digits", train=False)
x_train, y_train = train.float_images().flatten(1), train.labels
x_test, y_test = test.float_images().flatten(1), test.labels
print("D:", tuple(x_train.shape), "->", len(train.classes), "classes")

# M: model. A function with parameters theta = (W, b): y_hat = W x + b.
torch.manual_seed(0)
model = nn.Linear(x_train.shape[1], 10)

# L: objective (cross-entropy); P: performance (accuracy on data the model never saw).
loss_fn = nn.CrossEntropyLoss()


def accuracy(x, y):
    with torch.no_grad():
        return (model(x).argmax(dim=1) == y).float().mean().item()


print(f"P before training: {accuracy(x_test, y_test):.1%}")
optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
for _ in range(200):  # E: experience, the labelled training examples
    optimizer.zero_grad()
    loss = loss_fn(model(x_train), y_train)
    loss.backward()
    optimizer.step()
print(f"P after training:  {accuracy(x_test, y_test):.1%}  (loss {loss.item():.3f})")
