"""Rosenblatt's perceptron rule on OR (it converges) and on XOR (it never does)."""

import numpy as np

X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
GATES = {"OR": np.array([0, 1, 1, 1]), "XOR": np.array([0, 1, 1, 0])}


def step(z):  # Heaviside: fire when the score is positive
    return (z > 0).astype(float)


for name, y in GATES.items():
    w, b = np.zeros(2), 0.0
    mistakes_per_epoch = []
    while len(mistakes_per_epoch) < 20:
        mistakes = 0
        for xi, yi in zip(X, y):
            error = yi - step(xi @ w + b)  # +1, 0 or -1
            w, b = w + error * xi, b + error  # move the hyperplane toward the mistake
            mistakes += int(error != 0)
        mistakes_per_epoch.append(mistakes)
        if mistakes == 0:
            break
    print(f"{name}: mistakes per epoch {mistakes_per_epoch}")
    print(f"  w={w}, b={b}: predictions {step(X @ w + b).astype(int)}, targets {y}")
