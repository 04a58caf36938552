"""Robbins–Monro on a noisy problem: a 1/t step converges, a constant step stalls."""

from gdsc_book.schedules import InversePower
from gdsc_book.sgd import noise_floor, noisy_quadratic

# f(theta) = theta^2 / 2, but every gradient carries noise of standard deviation 1.
schedules = {
    "constant 0.1     ": 0.1,                            # sum eta^2 = infinity
    "0.5 / (1 + t/2)  ": InversePower(0.5, p=1.0, tau=2),  # Robbins–Monro holds
    "0.5 / (1 + t/2)^2": InversePower(0.5, p=2.0, tau=2),  # sum eta < infinity
}
for name, eta in schedules.items():
    mse = noisy_quadratic(eta, steps=10_000, runs=300)   # E[(theta_t - theta*)^2]
    print(f"{name}: error after 1,000 steps {mse[1000]:.2e}, after 10,000 {mse[-1]:.2e}")
print(f"noise floor of the constant step, eta/(2 - eta): {noise_floor(0.1):.2e}")
