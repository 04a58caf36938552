# Exercise: count the linear pieces of the sawtooth T^L on a grid, and compare with 2^L.
import torch


def tent(x):
    """T(x) = 2 ReLU(x) - 4 ReLU(x - 1/2): folds [0, 1] onto itself once."""
    return 2 * torch.relu(x) - 4 * torch.relu(x - 0.5)


def count_pieces(x, y):
    """Linear pieces of a piecewise-linear function with values y on the sorted grid x."""
    # --8<-- [start:answer]
    slopes = torch.diff(y) / torch.diff(x)
    bends = ~torch.isclose(slopes[1:], slopes[:-1], rtol=1e-6, atol=1e-9)
    return 1 + int(bends.sum())
    # --8<-- [end:answer]


x = torch.linspace(0, 1, 2 ** 10 + 1, dtype=torch.float64)  # every kink k / 2^L lies on it
y = x
for depth in range(1, 7):
    y = tent(y)  # T composed depth times
    print(depth, count_pieces(x, y), 2 ** depth)
