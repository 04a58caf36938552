# Exercise: 10 points, 200 features: the minimum-norm solution and another that fits as well.
import torch

torch.manual_seed(0)
X, y = torch.randn(10, 200, dtype=torch.float64), torch.randn(10, dtype=torch.float64)
z = torch.randn(200, dtype=torch.float64)  # a random direction, for the other solution
# --8<-- [start:answer]
w_min = torch.linalg.pinv(X) @ y
v = z - torch.linalg.pinv(X) @ (X @ z)  # X v = 0
w_other = w_min + v
print((X @ w_min - y).abs().max(), (X @ w_other - y).abs().max())  # both almost 0
print(w_min.norm(), w_other.norm())  # the minimum-norm solution is smaller
# --8<-- [end:answer]
