"""Step 5: the same from the command line (here called from Python so that it is tested).

In a terminal:  gdsc-book train --dataset mnist --model cnn --epochs 3 --seed 0 --checkpoint cnn.pt
                gdsc-book inspect cnn.pt
"""

from gdsc_book.cli import main

# --subset keeps this example quick; drop it to train on all 60,000 images.
main(["train", "--dataset", "mnist", "--model", "softmax", "--epochs", "2", "--seed", "0",
      "--subset", "10000", "--checkpoint", "softmax.pt", "--no-progress"])
main(["inspect", "softmax.pt"])
# Bad input is refused with a message and exit code 2; the checkpoint is left untouched.
code = main(["train", "--model", "softmax", "--epochs", "-1", "--checkpoint", "softmax.pt"])
print("exit code for --epochs -1:", code)
