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
    epochs = [int(e) for e in re.findall(r"^epoch +(\d+) +loss", out, re.M)]
    assert epochs == [1, 2, 5, 10, 20, 40]
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
    for mode in ("jit", "vmap"):
        other = run("moons.py", "--mode", mode, "--steps", "3", "--out", str(tmp_path / mode))
        assert number(r"final loss: (\S+)", other) == pytest.approx(
            number(r"final loss: (\S+)", loop), rel=1e-9)
        assert f"time per step ({mode})" in other
    assert "time per step (loop)" in loop and is_png(tmp_path / "l" / "moons_curves.png")
    assert "first call" not in loop + batch                    # nothing compiled there


@pytest.mark.parametrize("mode", ["jit", "vmap", "dense-jit"])
def test_moons_compiled_modes_report_the_first_call_apart_from_the_steps(mode, tmp_path):
    out = run("moons.py", "--mode", mode, "--steps", "4", "--out", str(tmp_path),
              "--no-progress")
    first = number(r"first two calls \(trace, then compile\): (\S+) s\n", out)
    step = number(rf"time per step \({mode}\): (\S+) ms \(steps 3 to 4\)", out)
    assert first >= 0 and step > 0
    if mode == "jit":                  # tracing the 100-point loop costs far more than a step
        assert first > step / 1e3


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
    proc = subprocess.run([sys.executable, str(EXAMPLES / "functional_loop.py"), "--steps", "50",
                           "--ckpt", "cut.json", "--resume"], cwd=tmp_path, capture_output=True,
                          text=True)
    assert proc.returncode == 2 and "a run of 40 steps" in proc.stderr
    assert "give --steps 40" in proc.stderr


def run_without(modules, script, *args, cwd=None):
    """Run an example as if ``modules`` were not installed."""
    code = ("import runpy, sys\n"
            f"sys.path.insert(0, {str(EXAMPLES)!r})\n"
            + "".join(f"sys.modules[{m!r}] = None\n" for m in modules)
            + f"sys.argv = [{script!r}, *{list(args)!r}]\n"
            f"runpy.run_path({str(EXAMPLES / script)!r}, run_name='__main__')\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout + proc.stderr


def test_moons_runs_without_tqdm_and_matplotlib_and_says_what_to_install(tmp_path):
    out = run_without(["tqdm", "matplotlib"], "moons.py", "--steps", "3", "--no-progress",
                      "--out", str(tmp_path))
    assert "accuracy after 3 steps" in out
    assert 'matplotlib is not installed; pip install -e ".[examples]"' in out
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("distributed", ["missing", "broken"])
def test_data_parallel_says_whether_dask_is_missing_or_does_not_import(distributed, tmp_path):
    fake = tmp_path / "site" / "distributed"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text(
        "raise ImportError(\"cannot import name 'collections_to_dsk' from 'dask.base'\")\n")
    code = ("import runpy, sys\n"
            f"sys.path[:0] = [{str(EXAMPLES)!r}, {str(tmp_path / 'site')!r}]\n"
            + ("sys.modules['distributed'] = None\n" if distributed == "missing" else "")
            + "sys.argv = ['data_parallel.py', '--n', '100']\n"
            f"runpy.run_path({str(EXAMPLES / 'data_parallel.py')!r}, run_name='__main__')\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)
    said = {"missing": "distributed is not installed;",
            "broken": "distributed does not import (ImportError: cannot import name "
                      "'collections_to_dsk' from 'dask.base');"}[distributed]
    assert proc.returncode == 2 and said in proc.stderr, proc.stderr
    assert '"distributed>=2024.1"' in proc.stderr and "Traceback" not in proc.stderr


def test_progress_is_one_line_per_tenth_when_not_a_terminal(tmp_path):
    out = run("moons.py", "--steps", "20", "--out", str(tmp_path))
    lines = [line for line in out.splitlines() if line.startswith("training: step")]
    assert [line.split()[2] for line in lines] == [f"{k:>2}/20" .strip()
                                                 for k in range(2, 21, 2)]
    assert "\r" not in out and "accuracy" in lines[-1]


def test_help_says_the_defaults_the_scripts_use():
    quick = run("quickstart.py", "--help")
    assert "--steps 200] [--lr 0.5]" in quick and "(200)" in quick and "(0.5)" in quick
    for script in ["linear_regression.py", "moons.py", "functional_loop.py", "quickstart.py"]:
        lines = run(script, "--help").splitlines()
        for k, line in enumerate(lines):
            if line.startswith("  --"):       # an option: its help on this line or the next
                assert re.match(r"  --\S+( [A-Z_{},a-z]+)?\s{2,}\S", line) or \
                    lines[k + 1].startswith(" " * 10), (script, line)


def test_quickstart_shows_the_loss_falling():
    out = run("quickstart.py")
    losses = [float(x) for x in re.findall(r"^step .* loss +(\S+)", out, re.M)]
    assert len(losses) >= 6 and all(x > 0 for x in losses)
    assert all(b < a for a, b in zip(losses, losses[1:]))       # every line says something
    assert "w = 4.0000, b = 3.0000" in out


def test_functional_loop_prints_one_loss_per_step_and_refuses_seed_with_resume(tmp_path):
    out = run("functional_loop.py", "--steps", "20", "--every", "10", cwd=tmp_path)
    assert re.search(r"step   20  loss (\S+)", out).group(1) == re.search(
        r"stopped at step 20; loss (\S+)", out).group(1)
    proc = subprocess.run([sys.executable, str(EXAMPLES / "functional_loop.py"), "--resume",
                           "--seed", "3"], cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 2 and "--seed chooses the initial weights" in proc.stderr


@pytest.mark.parametrize("script, args, message", [
    ("moons.py", ["--steps", "0"], "--steps must be at least 1"),
    ("functional_loop.py", ["--steps", "0"], "--steps and --every must be at least 1"),
    ("functional_loop.py", ["--every", "0"], "--steps and --every must be at least 1"),
    ("functional_loop.py", ["--stop-after", "-1"], "--stop-after at least 0"),
    ("data_parallel.py", ["--chunks", "0"], "--chunks must be positive"),
])
def test_counts_out_of_range_are_a_usage_error_not_a_traceback(script, args, message, tmp_path):
    proc = subprocess.run([sys.executable, str(EXAMPLES / script), *args], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and message in proc.stderr and "Traceback" not in proc.stderr
    assert not list(tmp_path.iterdir())          # nothing written
