# Exercise: CIFAR-10 through torchvision, augmented for training only.
import torch
from torchvision import datasets, transforms


def cifar10_loaders(root):
    """Return (train_loader, test_loader) over torchvision.datasets.CIFAR10 in root."""
    # --8<-- [start:answer]
    mean, std = (0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)
    train_tf = transforms.Compose([transforms.RandomCrop(32, padding=4),
                                   transforms.RandomHorizontalFlip(),
                                   transforms.ToTensor(), transforms.Normalize(mean, std)])
    test_tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize(mean, std)])
    train = datasets.CIFAR10(root, train=True, download=True, transform=train_tf)
    test = datasets.CIFAR10(root, train=False, download=True, transform=test_tf)
    return (torch.utils.data.DataLoader(train, batch_size=128, shuffle=True, num_workers=2),
            torch.utils.data.DataLoader(test, batch_size=256))
    # --8<-- [end:answer]
