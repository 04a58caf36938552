"""The self-checks (mkdocs-quiz) in a real headless Chromium: feedback a reader can trust.

A wrong answer must show why it is wrong, a right one must say so, a typed number must be
checked, in Korean and in English, offline and without console errors; and the quizzes must stay
readable in the dark theme and on a 390 px phone. The site, the server and Chromium are the ones
tests/test_browser.py sets up.
"""

from __future__ import annotations

import io
import re

import pytest

from .pages import DOCS
from .site_build import page_slugs
from .test_browser import Tab, browser, playwright, server  # noqa: F401  (fixtures)

CHAPTER = "ch03-classification"  # multiple-choice self-checks with math in them
NUMERIC = "ch05-universal-approximation"  # a self-check answered with a typed number
RIGHT = {"ko": "맞습니다", "en": "Correct"}
RETRY = {"ko": "다시 시도", "en": "Try Again"}


def _source(slug: str, lang: str) -> str:
    return (DOCS / (f"{slug}.md" if lang == "ko" else f"{slug}.{lang}.md")).read_text("utf-8")


def _quiz_pages() -> list[str]:
    return [s for s in page_slugs() if "<quiz>" in _source(s, "ko")]


def _options(quiz):
    return quiz.locator("fieldset > div")


def _feedback(quiz) -> tuple[str, str]:
    """(classes, text) of the feedback the reader sees after answering."""
    item = quiz.locator(".quiz-feedback .quiz-feedback-item").first
    item.wait_for(state="visible", timeout=5_000)
    return item.get_attribute("class"), item.inner_text().strip()


@pytest.fixture
def tab(browser, server):  # noqa: F811
    t = Tab(browser, server)
    yield t
    t.close()


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_wrong_answer_explains_and_right_answer_says_so(tab, lang):
    page = tab.open(CHAPTER, lang)
    quiz = page.locator("article .quiz").first
    options = _options(quiz)
    correct = [i for i in range(options.count())
               if options.nth(i).locator("input").get_attribute("data-correct") == "true"]
    wrong = next(i for i in range(options.count()) if i not in correct)
    assert not quiz.locator(".quiz-feedback").is_visible()  # nothing shown before answering

    options.nth(wrong).locator("label").click()  # a single-choice quiz answers on click
    classes, text = _feedback(quiz)
    why = options.nth(wrong).locator(".answer-feedback").inner_text().strip()
    assert "incorrect" in classes.split()
    assert why and why in text  # the explanation written under that very option
    assert not text.startswith(RIGHT[lang])
    box = quiz.locator(".quiz-feedback").bounding_box()
    assert box and box["height"] > 30 and box["width"] > 200  # shown, not a hidden sliver

    retry = quiz.locator(".quiz-reset-button")
    assert retry.inner_text().strip() == RETRY[lang]
    retry.click()
    assert not quiz.locator(".quiz-feedback").is_visible()
    options.nth(correct[0]).locator("label").click()
    classes, text = _feedback(quiz)
    assert "correct" in classes.split() and "incorrect" not in classes.split()
    assert text.split("\n")[-1].startswith(RIGHT[lang]), text
    assert not tab.problems, tab.problems


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_typed_number_is_checked(tab, lang):
    page = tab.open(NUMERIC, lang)
    quiz = page.locator("article .quiz-fill-blank").first
    field = quiz.locator("input.quiz-blank-input")
    answer = field.get_attribute("data-answer")
    assert answer and answer.isdigit()
    explanation = quiz.locator("section.content")
    assert not explanation.is_visible()

    field.fill(str(int(answer) - 1))
    quiz.locator("button[type=submit]").click()
    classes, text = _feedback(quiz)
    assert "incorrect" in classes.split()
    assert explanation.is_visible() and len(explanation.inner_text().strip()) > 40  # why

    field.fill(answer)
    quiz.locator("button[type=submit]").click()
    page.wait_for_function(
        "q => q.querySelector('.quiz-feedback-item.correct')", arg=quiz.element_handle())
    assert "correct" in (field.get_attribute("class") or "").split()
    assert not tab.problems, tab.problems


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_every_self_check_renders(tab, lang):
    """Each page's <quiz> blocks all became quizzes, with their math typeset and no errors."""
    pages = _quiz_pages()
    assert len(pages) >= 10, pages
    for slug in pages:
        page = tab.open(slug, lang)
        want = _source(slug, lang).count("<quiz>")
        assert page.locator("article .quiz").count() == want, slug
        assert page.locator("article").inner_text().count("<quiz>") == 0, slug
        untypeset = page.evaluate("""() => [...document.querySelectorAll('article .quiz .arithmatex')]
            .filter(e => !e.querySelector('mjx-container')).map(e => e.textContent)""")
        assert not untypeset, (slug, untypeset[:3])
    assert not tab.problems, tab.problems


def _luminance(rgb: str) -> float:
    r, g, b = (int(v) / 255 for v in re.findall(r"\d+", rgb)[:3])

    def lin(c):
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)


def _contrast(a: str, b: str) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_feedback_is_readable_in_light_and_dark(browser, server, scheme):  # noqa: F811
    from PIL import Image

    t = Tab(browser, server, color_scheme=scheme)
    try:
        page = t.open(CHAPTER, "ko")
        quiz = page.locator("article .quiz").first
        correct = quiz.locator("fieldset > div:has(input[data-correct=true]) label").first
        wrong = quiz.locator("fieldset > div:not(:has(input[data-correct=true])) label").first
        for choice in (wrong, correct):  # the red box, then (after trying again) the green one
            if quiz.locator(".quiz-reset-button").is_visible():
                quiz.locator(".quiz-reset-button").click()
            choice.click()
            _feedback(quiz)
            item = quiz.locator(".quiz-feedback-item").first
            colors = item.evaluate("""e => {
                const bg = el => { for (; el; el = el.parentElement) {
                    const c = getComputedStyle(el).backgroundColor;
                    if (!/rgba\\(0, 0, 0, 0\\)|transparent/.test(c)) return c; }
                    return 'rgb(255,255,255)'; };
                const text = e.querySelector('.quiz-feedback-item-content') || e;
                return [getComputedStyle(text).color, bg(text)]; }""")
            assert _contrast(*colors) >= 4.5, colors  # WCAG AA for body text
        question = quiz.locator(".quiz-question")
        q_colors = question.evaluate("""e => [getComputedStyle(e).color,
            getComputedStyle(document.body).backgroundColor]""")
        assert _contrast(*q_colors) >= 4.5, q_colors
        # The frame follows the theme: on slate the quiz is not a black box with a black border.
        shot = Image.open(io.BytesIO(quiz.screenshot())).convert("L")
        dark_share = sum(shot.histogram()[:60]) / (shot.size[0] * shot.size[1])
        assert (dark_share > 0.5) == (scheme == "dark"), dark_share
        assert not t.problems, t.problems
    finally:
        t.close()


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_self_checks_fit_a_phone(browser, server, lang):  # noqa: F811
    t = Tab(browser, server, viewport={"width": 390, "height": 844}, device_scale_factor=2)
    try:
        page = t.open(CHAPTER, lang)
        quizzes = page.locator("article .quiz")
        for i in range(quizzes.count()):
            quiz = quizzes.nth(i)
            quiz.scroll_into_view_if_needed()
            box = quiz.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 390, box
            assert quiz.evaluate("e => e.scrollWidth <= e.clientWidth + 1")
            # Wrapped answers stay beside their radio button, not under it.
            rows = quiz.evaluate("""q => [...q.querySelectorAll('fieldset > div')].map(d => {
                const i = d.querySelector('input').getBoundingClientRect();
                const ls = [...d.querySelector('label').getClientRects()];
                return [i.right, Math.min(...ls.map(r => r.left))]; })""")
            assert all(left >= right for right, left in rows), rows
        # The question text leaves room for the quiz's # link in the corner.
        link = quizzes.first.locator(".quiz-header-link").bounding_box()
        text = quizzes.first.locator(".quiz-question p").first.bounding_box()
        assert text["x"] + text["width"] <= link["x"] + 1, (text, link)
        assert not t.problems, t.problems
    finally:
        t.close()
