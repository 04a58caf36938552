"""Linear warmup then cosine decay with torch.optim.lr_scheduler, stepped once per batch."""

import torch
from torch import nn
from torch.optim.lr_scheduler import CosineAnnealingLR, LinearLR, SequentialLR

from gdsc_book.data import load

train = load("digits", train=True)  # 8x8 digits bundled with scikit-learn
x, y = train.float_images().flatten(1), train.labels

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
optimizer = torch.optim.SGD(model.parameters(), lr=0.5, momentum=0.9)  # a large peak rate
epochs, batch_size = 5, 64
total = epochs * ((len(y) + batch_size - 1) // batch_size)
warmup = total // 10
scheduler = SequentialLR(optimizer, [
    LinearLR(optimizer, start_factor=1 / warmup, total_iters=warmup),  # 0.05 -> 0.5
    CosineAnnealingLR(optimizer, T_max=total - warmup),                # 0.5 -> 0
], milestones=[warmup])

for epoch in range(epochs):
    for idx in torch.randperm(len(y)).split(batch_size):
        loss = nn.functional.cross_entropy(model(x[idx]), y[idx])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        scheduler.step()  # after optimizer.step(), once per minibatch
    print(f"epoch {epoch + 1}: lr {scheduler.get_last_lr()[0]:.4f}, last batch loss {loss:.3f}")
