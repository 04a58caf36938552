"""GD, SGD and minibatch SGD: the same update, computed on different amounts of data."""

import torch

torch.manual_seed(0)
n = 1000
x = torch.randn(n)
y = 2.0 * x - 1.0 + 0.5 * torch.randn(n)  # data from y = 2x - 1 plus noise


def loss(theta, idx):
    w, b = theta
    return ((w * x[idx] + b - y[idx]) ** 2).mean()  # L(theta | B): the loss on a batch


def train(batch_size, steps=300, lr=0.05):
    theta = torch.tensor([-2.0, 3.0], requires_grad=True)
    for _ in range(steps):
        idx = torch.randperm(n)[:batch_size]  # a random minibatch B (all data when B = n)
        grad, = torch.autograd.grad(loss(theta, idx), theta)
        with torch.no_grad():
            theta -= lr * grad  # theta <- theta - eta * grad L(theta | B)
    return theta.detach()


print("GD            (B = n):  ", train(n).numpy().round(3))  # every step sees all the data
print("minibatch SGD (B = 32): ", train(32).numpy().round(3))
print("SGD           (B = 1):  ", train(1).numpy().round(3))  # one example per step
print("full-loss minimum:      ", torch.linalg.lstsq(
    torch.stack([x, torch.ones(n)], 1), y.unsqueeze(1)).solution.squeeze().numpy().round(3))
