# CIFAR-10 through gdsc_book.data: torchvision.datasets.CIFAR10 reads the original files
# (download=True fetches them when online); a class-per-folder JPEG copy is read as well.
from gdsc_book import data

train = data.load("cifar10", train=True)
test = data.load("cifar10", train=False)
print(train.images.shape, train.images.dtype)  # N x 3 x 32 x 32, uint8
print(test.classes)
print(train.source, train.note or "original files")
x = train.float_images()  # float32, standardized per channel with the training-set statistics
print(x[:, 0].mean().item(), x[:, 0].std().item())  # about 0 and 1
