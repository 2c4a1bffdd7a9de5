"""micrograd's demo, functionally: an MLP learns to separate two moons.

  python examples/moons.py                  # the 100 points as arrays (batch)
  python examples/moons.py --mode loop      # one example at a time, on floats
  python examples/moons.py --mode jit       # the loop's gradient, compiled (tg.jit): packed
  python examples/moons.py --mode jit --reassociate   # packed, sums reassociated (np.sum)
  python examples/moons.py --mode vmap      # per-example gradients (tg.vmap), averaged
  python examples/moons.py --mode dense     # array parameters, (100, 2) data, with @
  python examples/moons.py --mode dense-jit # the same, compiled (tg.jit)
  python examples/moons.py --mode dense-jit --backend torch   # on PyTorch tensors (GPU if any)
  python examples/moons.py --steps 5 --out /tmp/moons --no-progress

The data are 100 two-moons points with noise 0.1 (NumPy, fixed seed),
labels -1 and +1. The model is an MLP 2-16-16-1; the loss is the mean hinge
loss plus 1e-4 times the L2 norm of the parameters; SGD with learning rate
1.0 - 0.9 k / 100 at step k, for 100 steps. As in micrograd, but the
parameters are a plain pytree and a training step is a pure function.
Writes two pictures: the decision boundary over the data and the loss and
accuracy curves. ``--backend torch`` (or ``cupy``) runs the dense modes on
that library's arrays, on its GPU where there is one: the same tapegrad code,
through the Python Array API.
"""

from __future__ import annotations

import argparse
import os
import time
from typing import Any

import numpy as np
from _progress import INSTALL_HINT, Progress

import tapegrad as tg

ALPHA = 1e-4          # weight of the L2 penalty


def make_moons(n: int = 100, noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles with Gaussian noise; labels -1 and +1.

    scikit-learn's make_moons, written with NumPy.
    """
    rng = np.random.default_rng(seed)
    n_out, n_in = n // 2, n - n // 2
    t_out, t_in = np.linspace(0, np.pi, n_out), np.linspace(0, np.pi, n_in)
    X = np.concatenate([np.stack([np.cos(t_out), np.sin(t_out)], 1),
                        np.stack([1 - np.cos(t_in), 0.5 - np.sin(t_in)], 1)])
    X += rng.normal(scale=noise, size=X.shape)
    y = np.concatenate([-np.ones(n_out), np.ones(n_in)])
    return X, y


def loss_fn(params: Any, X: np.ndarray, y: np.ndarray, mode: str) -> tuple[Any, Any]:
    """Mean hinge loss + ALPHA * L2, and the scores (the auxiliary output)."""
    if mode == "batch":      # one array per input feature: every op runs on all 100
        scores = tg.nn.mlp(params, [X[:, 0], X[:, 1]])[0]
        data_loss = tg.mean(tg.nn.hinge(scores, y))
    elif mode.startswith("dense"):   # array parameters: a matrix product per layer
        scores = tg.nn.mlp(params, X)[:, 0]
        data_loss = tg.mean(tg.nn.hinge(scores, y))
    else:                    # micrograd's way: a Python loop over examples
        scores = [tg.nn.mlp(params, [float(a), float(b)])[0] for a, b in X]
        data_loss = sum(tg.nn.hinge(s, float(t)) for s, t in zip(scores, y)) / len(y)
    return data_loss + ALPHA * tg.nn.l2(params), scores


def make_step(optimizer: tg.optim.GradientTransformation, X: np.ndarray, y: np.ndarray,
              mode: str, reassociate: bool = False) -> Any:
    """One training step, a pure function.

    (params, state) -> (params, state, loss, accuracy). Under jit the
    loop's scalar records are packed into NumPy operations (bit for bit);
    ``reassociate`` lets jit sum them with ``np.sum`` (rounded otherwise).
    """
    if mode in ("jit", "dense-jit"):   # traced once and compiled
        inner = "loop" if mode == "jit" else "dense"
        compiled = tg.jit(tg.value_and_grad(lambda p: loss_fn(p, X, y, inner), has_aux=True),
                          reassociate=reassociate)
        value_and_grad = lambda params, X, y, mode: compiled(params)
    elif mode == "vmap":     # one example's loss, its gradient mapped over the batch
        per_example = tg.vmap(tg.value_and_grad(example_loss, has_aux=True),
                              in_axes=(None, 0, 0, 0))
        value_and_grad = lambda params, X, y, mode: vmapped_value_and_grad(
            per_example, params, X, y)
    else:
        value_and_grad = tg.value_and_grad(loss_fn, has_aux=True)

    def step(params: Any, state: Any) -> tuple[Any, Any, float, float]:
        (loss, scores), grads = value_and_grad(params, X, y, mode)
        updates, state = optimizer.update(grads, state, params)
        acc = tg.nn.accuracy(host(scores), host(y))     # reading them back: one sync a step
        return tg.optim.apply_updates(params, updates), state, float(host(loss)), acc
    return step


def to_backend(backend: str) -> Any:
    """The function that moves a NumPy array to ``backend``'s arrays (on its GPU if any).

    Exits with what to install where the library is missing.
    """
    if backend == "numpy":
        return lambda a: a
    try:
        lib = __import__(backend)
    except ImportError:
        hint = "pip install torch" if backend == "torch" else \
            "pip install cupy-cuda12x (CuPy needs an NVIDIA GPU and CUDA)"
        raise SystemExit(f"--backend {backend}: {backend} is not installed; {hint}, or "
                         "run with --backend numpy.") from None
    if backend == "torch":
        device = "cuda" if lib.cuda.is_available() else "cpu"
        return lambda a: lib.asarray(a, device=device)
    return lib.asarray


def host(a: Any) -> Any:
    """A NumPy copy of a number of any library (``.cpu()`` for PyTorch, ``.get()`` for CuPy)."""
    if hasattr(a, "cpu"):
        a = a.cpu()
    return np.asarray(a.get() if hasattr(a, "get") and not isinstance(a, np.ndarray) else a)


def example_loss(params: Any, x1: Any, x2: Any, label: Any) -> tuple[Any, Any]:
    """One example's hinge loss (on floats), and its score."""
    score = tg.nn.mlp(params, [x1, x2])[0]
    return tg.nn.hinge(score, label), score


def vmapped_value_and_grad(per_example: Any, params: Any, X: np.ndarray,
                           y: np.ndarray) -> tuple[tuple[Any, Any], Any]:
    """The batch loss and gradient from per-example gradients.

    Their mean, plus the L2 term's.
    """
    (losses, scores), grads = per_example(params, X[:, 0], X[:, 1], y)
    l2, l2_grad = tg.value_and_grad(tg.nn.l2)(params)
    grads = tg.tree.map(lambda g, r: float(np.mean(g)) + ALPHA * r, grads, l2_grad)
    return (float(np.mean(losses)) + ALPHA * l2, scores), grads


COMPILED = ("jit", "vmap", "dense-jit")
WARM_UP = 2         # steps before the timed ones: jit's first call traces, its second compiles
"""The modes whose first call traces and compiles; later steps run the compiled code."""


def train(mode: str = "batch", steps: int = 100, seed: int = 0,
          progress: bool = True, backend: str = "numpy", reassociate: bool = False,
          ) -> tuple[Any, dict[str, list[float]], float, float]:
    """Train from ``mlp_init([2, 16, 16, 1], seed)``.

    Returns the parameters (NumPy ones), the loss and accuracy per step, the
    seconds of the warm-up, and the seconds per step: in a compiled mode the
    first two steps warm up (jit's first call traces, its second compiles)
    and the steps after them are timed, else all are. ``backend`` (a dense
    mode's) is the library the arrays live in.
    """
    to = to_backend(backend)
    X, y = map(to, make_moons())
    init = tg.nn.dense_init if mode.startswith("dense") else tg.nn.mlp_init
    params = tg.tree.map(to, init([2, 16, 16, 1], seed=seed))
    optimizer = tg.optim.sgd(tg.optim.linear_schedule(1.0, 0.1, 100))
    state = optimizer.init(params)
    step = make_step(optimizer, X, y, mode, reassociate)
    history: dict[str, list[float]] = {"loss": [], "accuracy": []}
    bar = Progress(steps, "training", progress)
    start = first = time.perf_counter()
    for k in range(steps):
        params, state, loss, acc = step(params, state)
        if k == WARM_UP - 1:
            first = time.perf_counter()
        history["loss"].append(loss)
        history["accuracy"].append(acc)
        bar.update(loss=f"{loss:.4f}", accuracy=f"{acc:.0%}")
    end = time.perf_counter()
    timed = steps - WARM_UP if mode in COMPILED else steps
    seconds = (end - (first if mode in COMPILED else start)) / max(timed, 1)
    bar.close()
    return tg.tree.map(host, params), history, first - start, seconds


def scores_of(params: Any, X: np.ndarray) -> Any:
    """The model's scores at the points ``X`` (float or array parameters)."""
    if isinstance(params[0]["w"], np.ndarray):
        return tg.nn.mlp(params, X)[:, 0]
    return tg.nn.mlp(params, [X[:, 0], X[:, 1]])[0]


def final_accuracy(params: Any) -> float:
    X, y = make_moons()
    return tg.nn.accuracy(scores_of(params, X), y)


# ---------------------------------------------------------------- pictures
def plot_boundary(params: Any, path: str) -> None:
    """The data over the regions the model assigns to each class."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    X, y = make_moons()
    xx, yy = np.meshgrid(np.linspace(-1.5, 2.5, 200), np.linspace(-1.0, 1.5, 200))
    scores = scores_of(params, np.stack([xx.ravel(), yy.ravel()], 1)).reshape(xx.shape)
    fig, ax = plt.subplots(figsize=(5, 4))
    colors = {-1: "#d7301f", 1: "#2b8cbe"}      # class -1 red, class +1 blue
    ax.contourf(xx, yy, scores > 0, levels=[-0.5, 0.5, 1.5],
                colors=["#fcbba1", "#c6dbef"])
    for label, color in colors.items():
        pick = y == label
        ax.scatter(X[pick, 0], X[pick, 1], s=30, color=color, edgecolors="k",
                   label=f"class {label:+d}")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.legend(loc="upper right", framealpha=0.9)
    ax.set_title(f"decision boundary (accuracy {final_accuracy(params):.0%})")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def plot_curves(history: dict[str, list[float]], path: str) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax1 = plt.subplots(figsize=(5, 3.5))
    ax1.plot(history["loss"], color="tab:blue")
    ax1.set_xlabel("step")
    ax1.set_ylabel("loss", color="tab:blue")
    ax2 = ax1.twinx()
    ax2.plot([100 * a for a in history["accuracy"]], color="tab:red")
    ax2.set_ylabel("accuracy (%)", color="tab:red")
    ax2.set_ylim(0, 105)
    ax1.set_title("training: loss and accuracy per step")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mode", choices=["batch", "loop", "jit", "vmap", "dense",
                                           "dense-jit"], default="batch",
                        help="batch: the points as arrays (default); loop: per example; "
                             "jit: the loop compiled; vmap: per-example gradients; dense: "
                             "array parameters and matrix products; dense-jit: compiled")
    parser.add_argument("--backend", choices=["numpy", "torch", "cupy"], default="numpy",
                        help="the array library of the dense modes (numpy; torch: PyTorch "
                             "tensors, on the GPU if there is one; cupy: CuPy on the GPU)")
    parser.add_argument("--reassociate", action="store_true",
                        help="jit: sum packed terms with np.sum (faster, rounded otherwise)")
    parser.add_argument("--steps", type=int, default=100, help="training steps (100)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the initial weights (0)")
    parser.add_argument("--out", default=".",
                        help="folder for the two pictures (default: the current one)")
    parser.add_argument("--no-progress", action="store_true",
                        help="print no progress (a tqdm bar on a terminal, else a line "
                             "every tenth of the run)")
    args = parser.parse_args()
    if args.steps < 1:
        parser.error(f"--steps must be at least 1, got {args.steps}")
    if args.backend != "numpy" and not args.mode.startswith("dense"):
        parser.error(f"--backend {args.backend} runs the dense modes: add --mode dense or "
                     "--mode dense-jit (the other modes compute on floats).")

    params, history, first, seconds = train(args.mode, args.steps, args.seed,
                                            not args.no_progress, args.backend,
                                            args.reassociate)
    print(f"accuracy after {args.steps} steps: {final_accuracy(params):.0%}")
    print(f"final loss: {history['loss'][-1]:.6f}")
    if args.mode in COMPILED:      # compiling is paid once: apart from the steps
        print(f"first two calls (trace, then compile): {first:.2f} s")
        if args.steps > WARM_UP:
            print(f"time per step ({args.mode}): {seconds * 1e3:.2f} ms "
                  f"(steps {WARM_UP + 1} to {args.steps})")
    else:
        print(f"time per step ({args.mode}): {seconds * 1e3:.2f} ms")
    try:
        import matplotlib  # noqa: F401  (only to ask whether it is installed)
    except ImportError:
        print(f"pictures not drawn: matplotlib is not installed; {INSTALL_HINT} brings it.")
        return
    os.makedirs(args.out, exist_ok=True)
    boundary = os.path.join(args.out, "moons_boundary.png")
    curves = os.path.join(args.out, "moons_curves.png")
    plot_boundary(params, boundary)
    plot_curves(history, curves)
    print(f"pictures: {boundary} {curves}")


if __name__ == "__main__":
    main()
