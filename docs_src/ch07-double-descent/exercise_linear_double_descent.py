# Exercise: double descent of the minimum-norm least-squares fit as the features p grow.
import torch

g = torch.Generator().manual_seed(0)
n, P = 40, 200
beta = torch.randn(P, generator=g, dtype=torch.float64) / P ** 0.5
X = torch.randn(n, P, generator=g, dtype=torch.float64)
Xt = torch.randn(2000, P, generator=g, dtype=torch.float64)
y = X @ beta + 0.5 * torch.randn(n, generator=g, dtype=torch.float64)
yt = Xt @ beta
errors = {}  # p -> test error of the model that sees the first p features
# --8<-- [start:answer]
for p in [10, 20, 30, 36, 40, 44, 60, 100, 200]:
    w = torch.linalg.pinv(X[:, :p]) @ y
    errors[p] = ((Xt[:, :p] @ w - yt) ** 2).mean().item()
    print(p, errors[p])
# --8<-- [end:answer]
