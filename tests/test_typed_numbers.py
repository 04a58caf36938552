"""No parameter of a computation typed by hand: widths, epochs, λ, noise levels, batch sizes and
learning rates on a page come from the record of the figure that used them (`num(...)`).

The scan reads each page's prose, captions and math, leaves out what macros print, code and
links, and flags every number that is not of a kind that stays (chapter numbers, years, list
and problem numbers, names such as L2 or CIFAR-10, the numbers zero and one, and in math the
integers of a formula). What else stays is listed below, page by page, with the reason.
"""

from __future__ import annotations

import re

import pytest

from .pages import DOCS, twin

# Kinds of numbers that are not parameters, removed before the scan (regex, why it stays).
KINDS = [
    (r"^#+ \d+\.", "the chapter's own number in its title"),
    (r"^\s*(?:\d+\.|[-*]|> )\s", "list markers"),
    (r"\*\*\d+\. \(|문제 \d+|\b[Pp]roblem \d+", "problem numbers"),
    # a chapter has one or two digits; "이미지 32장" counts images
    (r"(?<!이미지 )(?<![\d,])\d{1,2}\s*장|\b[Cc]hapters? \[?\d+\]?(?: and \[?\d+\]?)?",
     "chapter references (a link keeps its [text])"),
    (r"(?<![\d,.])(?:1[89]|20)\d\d(?:[a-z]|년|(?![\w,.]))", "years of the works cited"),
    # (?!\d) rather than \b: a Korean particle may follow (CIFAR-10을)
    (r"(?<![\w-])(?:L[12]|CIFAR-10|ResNet-\d+|LeNet-5|b?float\d+|u?int\d+|[Kk]-?NN|top-\d|[23]-?D|[23]차원|AVX2)(?!\d)",
     "names that contain digits (AVX2: an instruction set)"),
    (r"\d+\s*단계|\b[Ss]tep \d+|\b(?:Quiz|Lab) \d+|실습 \d+|\(\d\)", "step, quiz, lab and in-line list numbers"),
    (r"종료 코드(?:가)? \d|\bexit codes? \d", "exit codes (the CLI's convention: 2 for bad input)"),
    (r"(?<!\d)(?:[13]×)?(?:28×28|32×32)(?!\d)", "image sizes of MNIST and CIFAR-10 (facts of the datasets)"),
    (r"(?<!\d)[13]\s*(?:채널|-?channels?)", "channels of gray and colour images (facts of the datasets)"),
    (r"(?<![\d.])10\s*(?:개\s*)?(?:클래스|classes|-class|digits)|(?:클래스|숫자) 10개", "the ten classes of MNIST and CIFAR-10"),
    (r"95%(?=\s*(?:신뢰|confidence|$))", "the confidence level of an interval, a convention"),
    (r"(?<![\d.,])[01](?!\d|[.,]\d|\s*%)", "the numbers zero and one (errors of 0, one layer)"),
]

# Numbers that stay on one page: (a phrase of its line, why it is not a parameter).
ALLOW = {
    "ch06-generalization": [
        ("계수 2", "the factor 2 of d/dw λ‖w‖² (math)"), ("factor 2", "the factor 2 of d/dw λ‖w‖² (math)"),
        ("2를", "the same factor 2"), ("with the 2", "the same factor 2"),
        ("모멘텀 0.9", "a literal of the stored computation: moving it into the record would retrain"),
        ("momentum 0.9", "a literal of the stored computation: moving it into the record would retrain"),
        ("6개짜리", "the network tests/test_regularization.py enumerates, not a figure's"),
        ("with 6 hidden", "the network tests/test_regularization.py enumerates, not a figure's"),
        ("뒤집은 3은 더 이상 3이", "a digit of MNIST as an example"),
        ("a mirrored 3 is no longer a 3", "a digit of MNIST as an example"),
        ("1 - 0.03 \\cdot 0.1 = 0.997", "the slide's own example (the snippet runs it)"),
        ("lr=0.03", "the slide's own example (the snippet runs it)"),
        ("점 10개, 특성 200개", "the coding problem's statement (its program in docs_src states them)"),
        ("10 points and 200 features", "the coding problem's statement"),
        ("±2", "error bars of two standard errors: a convention, not a setting of the run"),
        ("weight_decay=0.1", "the slide's own example (the snippet runs it)"),
    ],
    "ch08-sgd": [
        ("네 배로 키우면", "the s²/B rule worked through for a batch four times larger (math)"),
        ("4분의 1", "the same worked example"), ("16에서 64로", "the quiz's worked example of s²/B"),
        ("4배", "the quiz's worked example"), ("from 16 to 64", "the quiz's worked example of s²/B"),
        ("4 times", "the quiz's worked example"),
        ("모멘텀(momentum) 0.9", "a literal of the stored computation: moving it into the record would retrain"),
        ("momentum 0.9", "a literal of the stored computation: moving it into the record would retrain"),
        ("1,000스텝 중 처음 100스텝", "the coding problem's statement"), ("1/100", "the coding problem's statement"),
        ("1,000-step", "the coding problem's statement"), ("first 100 steps", "the coding problem's statement"),
        ("가중치에 10을", "ReLU's scale symmetry worked through with a factor of 10 (math)"),
        ("10으로 나누어도", "the same worked example"),
        ("multiplied by 10", "ReLU's scale symmetry worked through with a factor of 10 (math)"),
        ("divided by 10", "the same worked example"),
    ],
    "ch09-lab1-mnist": [
        ("(0.97이지 97이 아님)", "an example of the checkpoint's format, not a result"),
        ("(0.97, not 97)", "an example of the checkpoint's format, not a result"),
        ("45개", "LeCun et al.'s pairwise classifier as their paper describes it (10·9/2 pairs)"),
        ("45 units", "LeCun et al.'s pairwise classifier as their paper describes it (10·9/2 pairs)"),
        ("2층 신경망, 은닉 유닛 300개", "LeCun et al.'s network as their paper describes it"),
        ("2-layer network, 300 hidden units", "LeCun et al.'s network as their paper describes it"),
    ],
    "ch10-lab2-cifar10": [
        ("5회 반복 측정한", "the lecture's Quiz 2 statement, quoted"),
        ("over 5 repeated runs", "the lecture's Quiz 2 statement, quoted"),
        ("## 5회 반복과", "the quiz's five runs (the Quiz 2 statement)"),
        ("$n=5$", "the quiz's five runs (the Quiz 2 statement)"),
        ("$n = 5$", "the quiz's five runs (the Quiz 2 statement)"),
        ("시드 5개", "the quiz's five runs: what the grader's five_runs must do"),
        ("5 different seeds", "the quiz's five runs: what the grader's five_runs must do"),
        ("2코어 CPU", "the machine the book was built on"), ("2-core CPU", "the machine the book was built on"),
        ("4분의 1", "the area a 2×2 pool leaves (math)"),
        ("배치 4, 2에폭", "the PyTorch tutorial's settings, which benchmarks/bench_cifar10.py runs; no figure's record"),
        ("batches of 4, 2 epochs", "the PyTorch tutorial's settings, which benchmarks/bench_cifar10.py runs"),
        ("0.975", "the quantile of a two-sided 95% interval (math)"),
        ("2.776", "Student's t quantile for 4 degrees of freedom; tests/test_repeat.py computes it"),
        ("1.96", "the normal quantile of a 95% interval (math)"),
        ("n - 1 = 4", "the degrees of freedom of five runs (math)"),
        ("\\sqrt{5} \\approx 2.236", "the exercise's arithmetic hint"),
        ("50% 이상", "a literal of gdsc_book/grading/quiz2.py (no named constant to quote)"),
        ("50% or more", "a literal of gdsc_book/grading/quiz2.py (no named constant to quote)"),
        ("코사인 유사도가 0.5", "a literal of gdsc_book/grading/quiz2.py (no named constant to quote)"),
        ("cosine similarity of 0.5", "a literal of gdsc_book/grading/quiz2.py (no named constant to quote)"),
        ("폭의 4배", "the exercise's worked answer: tests/test_exercises.py checks it on the model"),
        ("(28 또는 32)", "the two datasets' image sizes"), ("(28 or 32)", "the two datasets' image sizes"),
    ],
    "ch07-double-descent": [
        ("100배", "a round comparison of two recorded counts"), ("100 times", "a round comparison"),
        ("= 40", "the coding problem's statement"), ("10부터 200까지", "the coding problem's statement"),
        ("from 10 to 200", "the coding problem's statement"), ("200개로", "the coding problem's statement"),
        ("200 features", "the coding problem's statement"), ("n = 40", "the coding problem's statement"),
    ],
}
PAGES = sorted(ALLOW)

FENCE = re.compile(r"^\s*(```|~~~)")
MACRO = re.compile(r"\{\{(.*?)\}\}")
QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')
# In math, the integers of a formula stay (2λw); decimals, powers of ten and "= n" for n ≥ 3
# (a setting such as K = 10) do not.
MATH_NUMBER = re.compile(r"\d+\.\d+|10\^\{?-?\d+\}?|=\s*(?:[3-9]|\d{2,})")


def _caption_text(macro: str) -> str:
    """The words a figure or explorable macro shows: its caption, without the numbers it quotes."""
    macro = re.sub(r"\b(?:num|calc|grader)\([^)]*\)", " ", macro)
    if not re.match(r"\s*(?:figure|explorable)\(", macro):
        return ""
    strings = QUOTED.findall(macro)
    return " ".join(strings[1:])  # strings[0] is the figure's name; part="..." names no number


def _math_numbers(math: str) -> str:
    return " ".join(MATH_NUMBER.findall(math))


def typed_numbers(text: str, allowed=()) -> list[tuple[int, str]]:
    """(line number, line) for every line with a number typed by hand, once the phrases in
    ``allowed`` are taken out of it (a phrase excuses its own number, not its whole line)."""
    out, fence, display, refs = [], False, False, False
    for i, line in enumerate(text.splitlines(), 1):
        original = line
        for phrase in allowed:
            line = line.replace(phrase, " ")
        if FENCE.match(line):
            fence = not fence
            continue
        if fence:
            continue
        if re.fullmatch(r"(?:\*\*|## )(?:참고 문헌|References)(?:\*\*)?", line.strip()):
            refs = True
            continue
        if refs and line.startswith("#"):
            refs = False
        if refs:
            continue  # a reference list: volumes, pages, arXiv numbers
        if line.strip() == "$$":
            display = not display
            continue
        if display:
            scanned = _math_numbers(line)
        else:
            captions = " ".join(_caption_text(m) for m in MACRO.findall(line))
            t = MACRO.sub(" ", line) + " " + captions
            t = re.sub(r"\]\([^)]*\)", "]", t)  # link targets
            t = re.sub(r"`[^`]*`", " ", t)  # code
            t = re.sub(r"https?://\S+", " ", t)
            t = re.sub(r"\$([^$]*)\$", lambda m: " " + _math_numbers(m.group(1)) + " ", t)
            scanned = t
        for rx, _ in KINDS:
            scanned = re.sub(rx, " ", scanned)
        if re.search(r"\d", scanned):
            out.append((i, original.strip()))
    return out


@pytest.mark.parametrize("lang", ["ko", "en"])
@pytest.mark.parametrize("slug", PAGES)
def test_no_parameter_typed_by_hand(slug, lang):
    path = DOCS / f"{slug}.md"
    if lang == "en":
        path = twin(path)
    flagged = typed_numbers(path.read_text(encoding="utf-8"), [p for p, _ in ALLOW[slug]])
    assert not flagged, (f"{path.name}: numbers typed by hand; quote them from the figure's record "
                         "with num(...), or add the kind to ALLOW with the reason:\n"
                         + "\n".join(f"  {i}: {line}" for i, line in flagged))


def test_scan_flags_parameters_and_leaves_the_kinds_that_stay():
    flagged = [line for _, line in typed_numbers(
        "SGD(학습률 0.05)로 학습합니다.\n"
        '{{ figure("x", "너비 8, 32인 MLP", part="a") }}\n'
        "($\\lambda = 10^{-3}$)\n"
        "레이블의 20%를 바꿉니다.\n"
        "5장에서 본 것처럼 (Belkin 등 2019), 훈련 오차가 0이 되고 은닉층 1개를 씁니다.\n"
        '너비 {{ num("r", "widths.0") }}에서 $2\\lambda\\mathbf{w}$, $x^2$.\n'
        "```\nlr = 0.05\n```\n"
        "$$\nf = 0.5 x\n$$\n")]
    assert flagged == ["SGD(학습률 0.05)로 학습합니다.", '{{ figure("x", "너비 8, 32인 MLP", part="a") }}',
                       "($\\lambda = 10^{-3}$)", "레이블의 20%를 바꿉니다.", "f = 0.5 x"]


def test_allowed_phrases_are_on_their_pages():
    """An exception whose phrase left the page would silently allow it elsewhere: remove it."""
    for slug, entries in ALLOW.items():
        text = (DOCS / f"{slug}.md").read_text(encoding="utf-8") + \
            twin(DOCS / f"{slug}.md").read_text(encoding="utf-8")
        for phrase, _ in entries:
            assert phrase in text, f"{slug}: ALLOW lists {phrase!r}, which no longer appears"


def test_ch06_overfitting_degree_has_as_many_coefficients_as_points():
    """What ch06 now says instead of typing '10 coefficients, 10 points'."""
    from .pages import record_numbers

    r = record_numbers("ch06_fit")
    assert r["shown"][-1] + 1 == r["n_train"]
    assert r["train_mse"][r["degrees"].index(r["shown"][-1])] < 1e-6  # so it passes through them all


def test_kinds_with_particles_and_image_counts():
    """Names followed by a particle stay (CIFAR-10을, bfloat16으로, 1998년); image counts that
    look like a chapter reference (이미지 32장, 2,000장) and a stray crop size do not."""
    flagged = [line for _, line in typed_numbers(
        "CIFAR-10을 bfloat16으로, ResNet-9를 1998년에, 6장에서 본 32×32가 3채널, 10개 클래스.\n"
        "테스트 이미지 32장을 봅니다.\n"
        "학습 이미지 2,000장입니다.\n"
        "사방에 4픽셀씩 붙입니다.\n")]
    assert flagged == ["테스트 이미지 32장을 봅니다.", "학습 이미지 2,000장입니다.", "사방에 4픽셀씩 붙입니다."]
