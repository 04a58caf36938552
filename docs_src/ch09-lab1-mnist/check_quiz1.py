# Quiz 1 check: grades the build_model, build_optimizer and train_model defined above, with the
# same checks and budget as `gdsc-book grade quiz1 SOLUTION`. A wrong answer prints what was
# expected, what was found and a hint; nothing stops the notebook.
from gdsc_book.grading import check_notebook

passed = check_notebook("quiz1", globals())  # True when every required check passes
