# Quiz 2: the same recipe with 5 seeds; mean, std and a 95% confidence interval.
# (A tiny subset and the `quick` recipe so that this runs in seconds; the lab's numbers come
# from `gdsc-book repeat --dataset cifar10 --runs 5 --recipe default`.)
from gdsc_book import data, recipes
from gdsc_book.repeat import repeat

train = data.load("cifar10", train=True).subset(512)
test = data.load("cifar10", train=False).subset(512)
recipe = recipes.get_recipe("quick")


def one_run(seed):
    _model, history, info = recipes.run(recipe, train, test, seed)
    return {"test_acc": history.test_acc[-1], "seconds": info["seconds"]}


result = repeat(one_run, seeds=range(5))
s = result.summary
print("accuracies:", [f"{a:.3f}" for a in result.accuracies])
print(f"mean {s.mean:.3f}, std {s.std:.3f}, 95% CI [{s.ci_low:.3f}, {s.ci_high:.3f}]")
