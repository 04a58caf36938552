# Exercise: linear warmup then cosine decay with LambdaLR, the learning rate of every step.
import math

import torch

model = torch.nn.Linear(2, 1)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
total, warmup = 1000, 100
lrs = []  # the learning rate used at each step
# --8<-- [start:answer]


def factor(step):
    if step < warmup:
        return (step + 1) / warmup
    return 0.5 * (1 + math.cos(math.pi * (step - warmup) / (total - warmup)))


sched = torch.optim.lr_scheduler.LambdaLR(opt, factor)
for _ in range(total):
    lrs.append(opt.param_groups[0]["lr"])
    opt.step()  # in real training: one step after loss.backward()
    sched.step()
print(lrs[0], lrs[warmup - 1], lrs[-1])  # 0.001, 0.1, almost 0
# --8<-- [end:answer]
