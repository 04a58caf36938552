"""An MLP on XOR: with a nonlinear activation it solves it, without one it cannot."""

import torch
from torch import nn

from gdsc_book.models import MLP

x = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
y = torch.tensor([0, 1, 1, 0])

for activation in ["identity", "relu", "tanh"]:
    torch.manual_seed(0)
    model = MLP(2, widths=(8,), num_classes=2, activation=activation)  # 2 -> 8 -> 2
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    for _ in range(500):
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        p = torch.softmax(model(x), dim=1)[:, 1]
    print(f"{activation:>8}: loss={loss.item():.3f}  p(1|x)={[round(v, 2) for v in p.tolist()]}")

# Without an activation the two layers multiply out into one affine map x -> A x + c.
torch.manual_seed(0)
linear = MLP(2, widths=(8,), num_classes=2, activation="identity")
first, last = linear.body[1], linear.head
A = last.weight @ first.weight
c = last.weight @ first.bias + last.bias
print("one affine map?", torch.allclose(linear(x), x @ A.T + c, atol=1e-6))
