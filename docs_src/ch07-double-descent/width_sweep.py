# A tiny model-wise sweep: 20% noisy labels, one-hidden-layer MLPs of growing width.
from gdsc_book import double_descent as dd
from gdsc_book.data import load

train = dd.small_split(load("mnist", train=True), n=300, size=10, seed=0)
test = dd.small_split(load("mnist", train=False), n=1000, size=10, seed=1)
y_noisy, flipped = dd.noisy_labels(train[1], fraction=0.2, seed=0)
print("wrong labels:", int(flipped.sum()), "of", len(y_noisy))

sweep = dd.width_sweep((train[0], y_noisy), test, widths=[2, 16, 256], epochs=150, lr=3e-3)
for w, p, tr, te in zip(sweep.sizes, sweep.params, sweep.train_err, sweep.test_err):
    print(f"width {w:4d}  params {p:6d}  train error {tr:.3f}  test error {te:.3f}")
