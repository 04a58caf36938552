# Exercise: dml_in_code.py's data, cut down to the first 100 training examples.
from gdsc_book.data import load

train = load("digits", train=True)
x_train, y_train = train.float_images().flatten(1), train.labels
# --8<-- [start:answer]
x_train, y_train = x_train[:100], y_train[:100]  # E: cut the experience to 100 examples
# --8<-- [end:answer]
print("training examples:", len(x_train))
