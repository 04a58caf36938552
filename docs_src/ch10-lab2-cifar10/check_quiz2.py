# Quiz 2 check: grades load_cifar10, train_once and five_runs defined above (and the challenge,
# pretrain_mnist and finetune), with the same checks and budget as `gdsc-book grade quiz2`.
from gdsc_book.grading import check_notebook

passed = check_notebook("quiz2", globals())  # True when every required check passes
