# Dropout is random while training and the identity at evaluation.
import torch
from torch import nn

torch.manual_seed(0)
drop = nn.Dropout(p=0.5)
x = torch.ones(10)

drop.train()  # model.train() does this for every layer
print("train:", drop(x))  # about half zeroed, the rest scaled by 1/(1-p) = 2
drop.eval()  # model.eval()
print("eval: ", drop(x))  # unchanged
