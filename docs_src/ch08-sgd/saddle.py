"""GD started on a saddle's stable manifold stays there; a little gradient noise escapes."""

import numpy as np


def grad(p):  # f(x, y) = x^2/2 + y^4/4 - y^2/2: saddle at (0, 0), minima at (0, +-1)
    x, y = p
    return np.array([x, y ** 3 - y])


rng = np.random.default_rng(0)
gd = np.array([2.0, 0.0])   # on the line y = 0, where the y-gradient is exactly 0
sgd = gd.copy()
for _ in range(400):
    gd = gd - 0.1 * grad(gd)
    sgd = sgd - 0.1 * (grad(sgd) + 0.1 * rng.standard_normal(2))  # noisy gradient
print("GD  ends at", gd.round(4), "-> the saddle point")
print("SGD ends at", sgd.round(4), "-> a minimum")
