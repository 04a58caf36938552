# Exercise: a checkpoint of step 2 back into a newly created model and optimizer.
import torch
from torch import nn


def restore(path):
    """Return (model, optimizer), new objects holding what the checkpoint at path saved."""
    # --8<-- [start:answer]
    state = torch.load(path, weights_only=True)
    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
    model.load_state_dict(state["model"])
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    optimizer.load_state_dict(state["optimizer"])  # the momentum buffers come back too
    return model, optimizer
    # --8<-- [end:answer]
