"""The examples run, print what they promise, and write valid pictures; the
full moons and linear-regression runs reach their targets."""

from __future__ import annotations

import pathlib
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


def run(script, *args, cwd=None):
    proc = subprocess.run([sys.executable, str(EXAMPLES / script), *args], cwd=cwd,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def number(pattern, text):
    return float(re.search(pattern, text).group(1))


def is_png(path):
    import matplotlib.image
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    image = matplotlib.image.imread(path)
    return image.ndim == 3 and image.shape[0] > 100 and image.shape[1] > 100


@pytest.mark.parametrize("script", ["linear_regression.py", "moons.py",
                                    "functional_loop.py", "quickstart.py"])
def test_every_example_has_help(script):
    assert "usage:" in run(script, "--help")


def test_linear_regression_recovers_the_line():
    out = run("linear_regression.py")
    assert len(re.findall(r"^epoch +\d+ +loss", out, re.M)) == 40
    w = number(r"fitted: w = (\S+)", out)
    b = number(r"b = (\S+) \(true 3\)", out)
    assert abs(w - 4) < 0.05 and abs(b - 3) < 0.05


def test_moons_full_run_reaches_100_percent_and_draws(tmp_path):
    out = run("moons.py", "--out", str(tmp_path), "--no-progress")
    assert "accuracy after 100 steps: 100%" in out
    assert number(r"time per step \(batch\): (\S+) ms", out) > 0
    assert is_png(tmp_path / "moons_boundary.png") and is_png(tmp_path / "moons_curves.png")


def test_moons_loop_and_batch_modes_agree(tmp_path):
    loop = run("moons.py", "--mode", "loop", "--steps", "3", "--out", str(tmp_path / "l"))
    batch = run("moons.py", "--mode", "batch", "--steps", "3", "--out", str(tmp_path / "b"))
    assert number(r"final loss: (\S+)", loop) == pytest.approx(
        number(r"final loss: (\S+)", batch), rel=1e-9)
    assert "time per step (loop)" in loop and is_png(tmp_path / "l" / "moons_curves.png")


def test_functional_loop_resume_equals_an_uninterrupted_run(tmp_path):
    common = ["--steps", "40", "--every", "10"]
    whole = run("functional_loop.py", *common, "--ckpt", "whole.json", cwd=tmp_path)
    run("functional_loop.py", *common, "--ckpt", "cut.json", "--stop-after", "25",
        cwd=tmp_path)
    resumed = run("functional_loop.py", *common, "--ckpt", "cut.json", "--resume",
                  cwd=tmp_path)
    assert "resumed from cut.json at step 25" in resumed
    assert (tmp_path / "whole.json").read_bytes() == (tmp_path / "cut.json").read_bytes()
    assert whole.splitlines()[-1] == resumed.splitlines()[-1]     # the same final loss
