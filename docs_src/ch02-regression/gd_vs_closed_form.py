"""Gradient descent on the MSE, step by step, against the closed-form least-squares solution."""

import torch

from gdsc_book.regression import Scaler, closed_form, make_houses, mse, mse_gradient, predict

houses = make_houses(n=200, seed=0)
scaler = Scaler.fit(houses.x)
z = scaler.transform(houses.x)  # standardized features: one step size suits both weights

# Gradient descent: theta <- theta - lr * grad L(theta), starting from zero.
w, b, lr = torch.zeros(2, dtype=z.dtype), torch.tensor(0.0, dtype=z.dtype), 0.05
for step in range(501):
    if step % 100 == 0:
        print(f"step {step:3d}   MSE {mse(predict(z, w, b), houses.y):.6f}")
    grad_w, grad_b = mse_gradient(z, houses.y, w, b)
    w, b = w - lr * grad_w, b - lr * grad_b

# The closed form: solve the normal equations in one shot.
w_cf, b_cf = closed_form(z, houses.y)
print("gradient descent:", w.tolist(), float(b))
print("closed form:     ", w_cf.tolist(), b_cf)
assert torch.allclose(w, w_cf, atol=1e-6) and abs(float(b) - b_cf) < 1e-6

# Back to the original units: price per m² and per year of age.
w_raw, b_raw = scaler.to_original(w, b)
print(f"price = {w_raw[0]:.4f}·area {w_raw[1]:+.4f}·age {b_raw:+.3f}")
