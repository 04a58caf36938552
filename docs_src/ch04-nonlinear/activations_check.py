"""The three activations, the slide's tanh formula, and their derivatives checked by autograd."""

import torch

x = torch.linspace(-5, 5, 11, dtype=torch.float64, requires_grad=True)

# tanh as the slide writes it, and through the sigmoid
tanh_slide = (1 - torch.exp(-2 * x)) / (1 + torch.exp(-2 * x))
print("slide formula == torch.tanh:", torch.allclose(tanh_slide, torch.tanh(x)))
print("2 sigmoid(2x) - 1 == tanh:  ", torch.allclose(2 * torch.sigmoid(2 * x) - 1, torch.tanh(x)))

formulas = {  # f, and f' written with f itself
    "relu": (torch.relu, lambda v: (v > 0).double()),
    "sigmoid": (torch.sigmoid, lambda v: torch.sigmoid(v) * (1 - torch.sigmoid(v))),
    "tanh": (torch.tanh, lambda v: 1 - torch.tanh(v) ** 2),
}
for name, (f, df) in formulas.items():
    (grad,) = torch.autograd.grad(f(x).sum(), x)  # backpropagation's answer
    print(f"{name:>7}' matches autograd: {torch.allclose(grad, df(x.detach()))}")
