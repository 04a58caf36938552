"""Checks and the report: expected / found / hint for each failure, in Korean or English."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

LANGS = ("ko", "en")
_WORDS = {
    "ko": {"pass": "통과", "fail": "실패", "skip": "건너뜀", "expected": "기대", "found": "실제",
           "hint": "힌트", "required": "필수", "challenge": "도전", "check": "검사",
           "status": "결과", "kind": "구분", "ok": "필수 검사를 모두 통과했습니다.",
           "bad": "필수 검사 {n}개가 실패했습니다.",
           "skipped": " {n}개는 앞의 검사가 실패해서 건너뛰었습니다.", "budget": "채점 예산"},
    "en": {"pass": "pass", "fail": "FAIL", "skip": "skipped", "expected": "expected",
           "found": "found", "hint": "hint", "required": "required", "challenge": "challenge",
           "check": "check", "status": "status", "kind": "kind",
           "ok": "All required checks passed.", "bad": "{n} required check(s) failed.",
           "skipped": " {n} more were skipped because of them.",
           "budget": "grading budget"},
}


def _pad(s: str, width: int) -> str:
    """Left-justify by display width: a Hangul syllable takes two columns in a terminal."""
    import unicodedata

    cols = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)
    return s + " " * max(width - cols, 0)


def text(ko: str, en: str) -> dict:
    """One message in both languages."""
    return {"ko": ko, "en": en}


@dataclass
class Check:
    """One thing the grader verified. ``code`` names the kind of failure for machines."""

    id: str
    title: dict
    required: bool = True
    status: str = "skip"  # pass | fail | skip
    expected: dict | None = None
    found: dict | None = None
    hint: dict | None = None
    code: str = ""

    def ok(self, found: dict | None = None) -> Check:
        self.status, self.found = "pass", found
        return self

    def fail(self, code: str, expected: dict, found: dict, hint: dict) -> Check:
        self.status, self.code = "fail", code
        self.expected, self.found, self.hint = expected, found, hint
        return self

    def skip(self, why: dict) -> Check:
        self.status, self.found = "skip", why
        return self


@dataclass
class Report:
    quiz: str
    solution: str
    budget: dict = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)

    def add(self, check: Check) -> Check:
        self.checks.append(check)
        return check

    def get(self, check_id: str) -> Check:
        return next(c for c in self.checks if c.id == check_id)

    @property
    def failed(self) -> list[Check]:
        return [c for c in self.checks if c.required and c.status != "pass"]

    @property
    def passed(self) -> bool:
        return not self.failed

    def render(self, lang: str = "ko") -> str:
        w = _WORDS[lang]
        lines = [f"{self.quiz}: {self.solution}",
                 f"{w['budget']}: " + ", ".join(f"{k}={v}" for k, v in self.budget.items()), ""]
        for c in self.checks:
            lines.append(f"[{w[c.status]}] {c.id}: {c.title[lang]}")
            if c.status == "fail":
                lines += [f"    {w['expected']}: {c.expected[lang]}",
                          f"    {w['found']}: {c.found[lang]}",
                          f"    {w['hint']}: {c.hint[lang]}"]
            elif c.found:
                lines.append(f"    {c.found[lang]}")
        width = max(len(c.id) for c in self.checks)
        lines += ["", f"{_pad(w['check'], width)}  {_pad(w['kind'], 9)}  {w['status']}",
                  f"{'-' * width}  {'-' * 9}  {'-' * 7}"]
        for c in self.checks:
            kind = w["required"] if c.required else w["challenge"]
            lines.append(f"{c.id:<{width}}  {_pad(kind, 9)}  {w[c.status]}")
        lines += ["", self.summary(lang)]
        return "\n".join(lines)

    def summary(self, lang: str = "ko") -> str:
        """The last line: all passed, or how many required checks failed and how many of
        them could not run because an earlier one failed (the table shows them skipped)."""
        w = _WORDS[lang]
        if self.passed:
            return w["ok"]
        skipped = sum(c.status == "skip" for c in self.failed)
        line = w["bad"].format(n=len(self.failed) - skipped)
        return line + (w["skipped"].format(n=skipped) if skipped else "")

    def to_json(self, lang: str = "ko") -> str:
        def one(c: Check) -> dict:
            d = {"id": c.id, "required": c.required, "status": c.status, "title": c.title[lang]}
            if c.status == "fail":
                d.update(code=c.code, expected=c.expected[lang], found=c.found[lang],
                         hint=c.hint[lang])
            elif c.found:
                d["found"] = c.found[lang]
            return d

        counts = {s: sum(c.status == s for c in self.checks if c.required)
                  for s in ("pass", "fail", "skip")}
        return json.dumps({"quiz": self.quiz, "solution": self.solution, "passed": self.passed,
                           "lang": lang, "budget": self.budget, "required": counts,
                           "summary": self.summary(lang),
                           "checks": [one(c) for c in self.checks]}, ensure_ascii=False,
                          indent=2)
