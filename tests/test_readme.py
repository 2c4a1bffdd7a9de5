"""The README's example runs as written, and its set-up commands are the ones
.ci/run uses."""

from __future__ import annotations

import pathlib
import re

import tapegrad as tg

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_readme_example_runs_and_descends(capsys):
    code = re.search(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    ns: dict = {}
    exec(code.group(1), ns)
    assert "v4 = mul v1 v2" in capsys.readouterr().out
    before = {"w": 0.5, "b": -0.1}
    assert ns["loss_fn"](ns["params"], 1.5, 0.8) < ns["loss_fn"](before, 1.5, 0.8)
    assert tg.tree.structure(ns["grads"]) == tg.tree.structure(before)


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```sh\n(.*?)\n```", readme, re.S)
    assert len(blocks) == 2
    assert "pytest" in blocks[1] and "examples/" in blocks[0]
    assert blocks[1] in (ROOT / ".ci" / "run").read_text()


def test_every_command_in_the_readme_uses_the_set_up_environment():
    readme = (ROOT / "README.md").read_text()
    commands = re.findall(r"`([^`\n]*(?:pip|mkdocs|python|pytest)[^`\n]*)`", readme)
    commands += re.findall(r"```sh\n(.*?)\n```", readme, re.S)
    assert len(commands) >= 6
    for command in commands:
        for part in command.split("&&"):
            program = part.split()[0]
            assert program == "python3" or program.startswith(".venv/bin/"), command
