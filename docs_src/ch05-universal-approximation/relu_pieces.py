"""A one-hidden-layer ReLU network is a sum of hinges: folds, pieces, linear combination."""

import torch

from gdsc_book.approximation import count_pieces_1d, interpolant_net, max_error, target
from gdsc_book.models import MLP

torch.manual_seed(0)
k = 6
model = MLP(1, widths=(k,), num_classes=1, activation="relu")  # 1 -> k -> 1
x = torch.linspace(-3, 3, 7).unsqueeze(1)

first, head = model.body[1], model.head
folds = torch.relu(first(x))             # each unit folds the line at -b_i / w_i
pieces = folds * head.weight[0]          # ... scaled by its output weight c_i
by_hand = pieces.sum(dim=1, keepdim=True) + head.bias
print("sum of pieces == network:", torch.allclose(by_hand, model(x)))
print("fold points:", sorted(round(v, 2) for v in (-first.bias / first.weight[:, 0]).tolist()))
print("linear pieces on the whole line:", count_pieces_1d(model, -1e3, 1e3), "<= k + 1 =", k + 1)

# More units, more pieces, smaller error: hinges placed by hand at evenly spaced knots.
for width in [2, 8, 32, 128]:
    net = interpolant_net(width, target)
    print(f"width {width:>3}: max error {max_error(net, target):.4f}")
