"""|Theta| = sum_l dim(h_l) * (dim(h_{l-1}) + 1), checked against PyTorch's numel()."""

from gdsc_book.approximation import parameter_count
from gdsc_book.models import MLP

for dims in [[2, 8, 2], [784, 256, 10], [784, 512, 256, 128, 10], [1, 4, 4, 4, 4, 1]]:
    model = MLP(dims[0], widths=dims[1:-1], num_classes=dims[-1])
    numel = sum(p.numel() for p in model.parameters())
    print(f"{dims}: formula {parameter_count(dims):>7,}  numel {numel:>7,}")
