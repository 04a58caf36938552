# torch.optim.SGD(weight_decay=λ) takes the step w <- (1 - ηλ) w - η ∇L.
import torch

torch.manual_seed(0)
x, y = torch.randn(8, 5), torch.randn(8)
w = torch.randn(5, requires_grad=True)
w0 = w.detach().clone()

lr, lam = 0.03, 0.1
optimizer = torch.optim.SGD([w], lr=lr, weight_decay=lam)
loss = 0.5 * ((x @ w - y) ** 2).mean()  # L, without any penalty term
loss.backward()
grad = w.grad.detach().clone()
optimizer.step()

by_hand = (1 - lr * lam) * w0 - lr * grad  # the slide's update
print("torch :", w.detach())
print("(1-ηλ)w-η∇L:", by_hand)
print("equal:", torch.allclose(w.detach(), by_hand))
