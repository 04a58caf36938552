"""Softmax and cross-entropy from their formulas, checked against PyTorch and autograd."""

import torch
import torch.nn.functional as F

torch.manual_seed(0)
z = torch.randn(4, 10, requires_grad=True)  # logits Wx + b of 4 examples, 10 classes
labels = torch.tensor([2, 9, 7, 6])
y = F.one_hot(labels, 10).float()

y_hat = torch.exp(z) / torch.exp(z).sum(dim=1, keepdim=True)  # softmax
print("in (0, 1):", bool(((y_hat > 0) & (y_hat < 1)).all()),
      "  rows sum to 1:", torch.allclose(y_hat.sum(dim=1), torch.ones(4)))

ce = -(y * torch.log(y_hat)).sum(dim=1).mean()  # mean over i of H(y_i, y_hat_i)
print(f"written formula {ce.item():.6f}   F.cross_entropy {F.cross_entropy(z, labels).item():.6f}")

ce.backward()  # the gradient with respect to the logits is (y_hat - y) / N
print("grad == (y_hat - y) / N:", torch.allclose(z.grad, (y_hat - y).detach() / 4, atol=1e-6))
