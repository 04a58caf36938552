"""The playground's HTML: controls and labels in the page's language, data from the record.

``{{ playground() }}`` (``gdsc_book.docs_macros``) writes this block into a page;
``docs/javascripts/playground.js`` brings it to life. Everything the script needs comes in
the block's ``data-playground`` attribute, taken from the figure record ``ch04_playground``
(the data, the controls' choices and defaults), so the page loads nothing else. Imports nothing
heavy: the docs build has no NumPy.
"""

from __future__ import annotations

import html
import json

LABELS = {
    "ko": {
        "aria": "브라우저에서 학습하는 MLP", "data": "데이터", "xor": "XOR",
        "spirals": "두 나선", "width": "폭 (층마다 유닛)", "depth": "깊이 (은닉층)",
        "activation": "활성화 함수", "lr": "학습률 η", "speed": "속도",
        "speeds": {1: "느리게", 5: "보통", 20: "빠르게"},
        "activations": {"relu": "ReLU", "tanh": "tanh", "sigmoid": "시그모이드"},
        "play": "▶ 학습", "pause": "❚❚ 멈춤", "step": "한 단계", "reset": "처음으로",
        "reseed": "새 초기값", "steps": "단계", "loss": "훈련 손실", "accuracy": "훈련 정확도",
        "perfect": "처음 100%", "perfect_at": "{n}단계", "never": "아직",
        "seed": "초기값 번호", "curve": "훈련 손실 (단계마다)",
        "map": "결정 경계 그림: 배경색은 모델이 말하는 클래스 1의 확률, 점은 훈련 데이터",
        "class0": "클래스 0", "class1": "클래스 1",
        "web": "▶ 놀이터는 웹판에서 브라우저로 돌아갑니다",
    },
    "en": {
        "aria": "An MLP trained in your browser", "data": "Data", "xor": "XOR",
        "spirals": "Two spirals", "width": "Width (units per layer)",
        "depth": "Depth (hidden layers)", "activation": "Activation", "lr": "Learning rate η",
        "speed": "Speed", "speeds": {1: "Slow", 5: "Normal", 20: "Fast"},
        "activations": {"relu": "ReLU", "tanh": "tanh", "sigmoid": "sigmoid"},
        "play": "▶ Train", "pause": "❚❚ Pause", "step": "One step", "reset": "Start over",
        "reseed": "New weights", "steps": "Step", "loss": "Training loss",
        "accuracy": "Training accuracy", "perfect": "First 100%", "perfect_at": "step {n}",
        "never": "not yet", "seed": "Weights no.", "curve": "Training loss (every step)",
        "map": "Decision map: the background is the model's probability of class 1, the dots "
               "are the training data",
        "class0": "class 0", "class1": "class 1",
        "web": "▶ The playground runs in your browser on the web edition",
    },
}


def web_link(page_url: str, lang: str) -> str:
    """Where a notebook, which runs no page script, shows the playground: a link to the page."""
    return f"[{LABELS[lang]['web']}]({page_url})"


def _select(key: str, label: str, options: list[tuple[str, str]], chosen) -> str:
    opts = "".join(f'<option value="{html.escape(v)}"{" selected" if v == str(chosen) else ""}>'
                   f"{html.escape(t)}</option>" for v, t in options)
    return (f'<label class="book-playground__field"><span>{html.escape(label)}</span>'
            f'<select data-control="{key}">{opts}</select></label>')


def _number(v) -> str:
    """A control's value as JavaScript prints it (``String(0.3)``, ``String(1)``)."""
    return str(int(v)) if float(v).is_integer() else repr(float(v))


def html_block(numbers: dict, lang: str) -> str:
    """The playground as one HTML block (no blank line in it: Markdown leaves it alone)."""
    if lang not in LABELS:
        raise ValueError(f"no playground labels for language {lang!r}")
    t = LABELS[lang]
    d, c = numbers["defaults"], numbers["controls"]
    spec = {"defaults": d, "controls": {"max_steps": c["max_steps"]}, "data": numbers["data"]}
    data = html.escape(json.dumps(spec, separators=(",", ":")), quote=True)
    esc = html.escape
    datasets = "".join(
        f'<button type="button" data-dataset="{name}" '
        f'aria-pressed="{"true" if name == d["dataset"] else "false"}">{esc(t[name])}</button>'
        for name in c["datasets"])
    fields = "".join([
        _select("width", t["width"], [(_number(w), str(w)) for w in c["widths"]], d["width"]),
        _select("depth", t["depth"], [(_number(k), str(k)) for k in c["depths"]], d["depth"]),
        _select("activation", t["activation"],
                [(a, t["activations"][a]) for a in c["activations"]], d["activation"]),
        _select("lr", t["lr"], [(_number(r), _number(r)) for r in c["rates"]], _number(d["lr"])),
        _select("speed", t["speed"], [(str(s), t["speeds"][s]) for s in c["speeds"]],
                str(c["speeds"][len(c["speeds"]) // 2])),
    ])
    stats = "".join(
        f'<span class="book-playground__stat"><span>{esc(t[k])}</span>'
        f'<strong data-stat="{k}"{extra}>{init}</strong></span>'
        for k, extra, init in (
            ("steps", "", "0"), ("loss", "", ""), ("accuracy", "", ""),
            ("perfect", f' data-template="{esc(t["perfect_at"])}" data-none="{esc(t["never"])}"',
             esc(t["never"])),
            ("seed", "", str(d["seed"]))))
    return (
        f'<div class="book-interactive book-playground" role="group" aria-label="{esc(t["aria"])}" '
        f'data-playground="{data}">'
        f'<div class="book-playground__data" role="group" aria-label="{esc(t["data"])}">'
        f'<span>{esc(t["data"])}</span>{datasets}</div>'
        f'<div class="book-playground__fields">{fields}</div>'
        f'<div class="book-playground__buttons">'
        f'<button type="button" class="book-playground__play" data-action="play" '
        f'aria-pressed="false" data-play="{esc(t["play"])}" data-pause="{esc(t["pause"])}">'
        f'{esc(t["play"])}</button>'
        f'<button type="button" data-action="step">{esc(t["step"])}</button>'
        f'<button type="button" data-action="reset">{esc(t["reset"])}</button>'
        f'<button type="button" data-action="reseed">{esc(t["reseed"])}</button></div>'
        f'<div class="book-playground__view">'
        f'<canvas class="book-playground__map" role="img" aria-label="{esc(t["map"])}"></canvas>'
        f'<div class="book-playground__side">'
        f'<div class="book-playground__stats">{stats}</div>'
        f'<p class="book-playground__caption">{esc(t["curve"])}</p>'
        f'<canvas class="book-playground__curve" role="img" aria-label="{esc(t["curve"])}">'
        f'</canvas>'
        f'<p class="book-playground__legend"><span class="book-playground__dot0"></span>'
        f'{esc(t["class0"])} <span class="book-playground__dot1"></span>{esc(t["class1"])}</p>'
        f"</div></div></div>"
    )
