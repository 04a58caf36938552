"""The book's bilingual glossary: one Korean term per concept, with its English and first chapter.

``TERMS`` is the one source of the glossary page (``docs/glossary.md``, through the
``glossary()`` macro) and of ``tests/test_glossary.py``, which holds every Korean page to it: no
forbidden variant anywhere, and each term written ``한글(English)`` at its first use in the chapter
that first uses it.

Choices, where Korean textbooks differ:

- regularization is 정칙화, the term of Korean mathematics and statistics. 규제 (a translation's
  coinage) is forbidden; 정규화 stays for normalization (배치 정규화), which it means everywhere
  else, so it may not stand for regularization.
- overfitting is 과적합 (과대적합 is forbidden); underfitting 과소적합.
- the data splits are 집합, as in 훈련 집합, 검증 집합, 테스트 집합 (the set of mathematics, as in
  콤팩트 집합): 세트 is forbidden there. The test suite is 테스트 코드, never 시험 (an exam).
- a local minimum is 국소 최솟값 (국소, as in 국소적), never 지역 최솟값.
- compact is 콤팩트, the spelling of the Korean Mathematical Society's glossary (not 컴팩트).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    ko: str
    en: str
    chapter: str  # slug of the first chapter that uses the term (the test checks it is the first)
    forbidden: tuple[str, ...] = ()  # variants a Korean page may not use for this concept


TERMS: tuple[Term, ...] = (
    Term("교차 엔트로피", "cross-entropy", "ch01-what-is-ml", ("크로스 엔트로피", "크로스엔트로피")),
    Term("테스트 집합", "test set", "ch01-what-is-ml", ("테스트 세트", "시험 집합", "시험 세트")),
    Term("경사 하강법", "gradient descent", "ch01-what-is-ml", ("경사하강법", "그래디언트 디센트")),
    Term("학습률", "learning rate", "ch02-regression", ("학습율",)),
    Term("편향", "bias", "ch02-regression"),
    Term("원-핫 벡터", "one-hot vector", "ch03-classification", ("원핫 벡터",)),
    Term("소프트맥스", "softmax", "ch03-classification", ("소프트 맥스",)),
    Term("로짓", "logit", "ch03-classification"),
    Term("볼록", "convex", "ch03-classification"),
    Term("국소 최솟값", "local minimum", "ch03-classification",
         ("지역 최솟값", "지역 최소값", "국소 최소값", "지역적 최솟값")),
    Term("초평면", "hyperplane", "ch04-nonlinear"),
    Term("퍼셉트론", "perceptron", "ch04-nonlinear"),
    Term("결정 경계", "decision boundary", "ch04-nonlinear"),
    Term("다양체 가설", "manifold hypothesis", "ch04-nonlinear", ("매니폴드 가설",)),
    Term("콤팩트 집합", "compact set", "ch05-universal-approximation", ("컴팩트",)),
    Term("과소적합", "underfitting", "ch06-generalization", ("과소 적합",)),
    Term("과적합", "overfitting", "ch06-generalization", ("과대적합", "과대 적합", "오버피팅")),
    Term("훈련 집합", "training set", "ch06-generalization",
         ("훈련 세트", "학습 세트", "트레이닝 세트")),
    Term("정칙화", "regularization", "ch06-generalization",
         ("규제", "정규화(regularization)")),
    Term("가중치 감쇠", "weight decay", "ch06-generalization"),
    Term("드롭아웃", "dropout", "ch06-generalization"),
    Term("데이터 증강", "data augmentation", "ch06-generalization"),
    Term("조기 종료", "early stopping", "ch06-generalization"),
    Term("확률적 경사 하강법", "stochastic gradient descent", "ch06-generalization"),
    Term("이중 하강", "double descent", "ch06-generalization"),
    Term("검증 집합", "validation set", "ch06-generalization", ("검증 세트",)),
    Term("하이퍼파라미터", "hyperparameter", "ch06-generalization", ("초매개변수",)),
    Term("미니배치", "minibatch", "ch08-sgd", ("미니 배치",)),
    Term("안장점", "saddle point", "ch08-sgd"),
    Term("정류점", "stationary point", "ch08-sgd"),
    Term("역전파", "backpropagation", "ch09-lab1-mnist", ("오차 역전파법",)),
    Term("배치 정규화", "batch normalization", "ch05-universal-approximation"),
    Term("미세 조정", "fine-tuning", "ch10-lab2-cifar10", ("파인튜닝", "파인 튜닝")),
)

# Words that are wrong on any Korean page, whatever the concept: 시험 reads as "exam".
FORBIDDEN_WORDS: tuple[str, ...] = ("시험",)


def forbidden() -> dict[str, str]:
    """Each forbidden spelling and the term to write instead."""
    out = {v: t.ko for t in TERMS for v in t.forbidden}
    out.update({w: "테스트 코드 (the test suite) or 테스트 (a test)" for w in FORBIDDEN_WORDS})
    return out


def rows(lang: str) -> list[Term]:
    """The table in the page's order: by the Korean term on the Korean page, by the English one
    on the English page (Python's order of Hangul syllables is the dictionary's)."""
    key = (lambda t: t.ko) if lang == "ko" else (lambda t: t.en.lower())
    return sorted(TERMS, key=key)
