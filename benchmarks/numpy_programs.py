"""Gradients of small NumPy/SciPy programs, side by side with autograd and JAX.

  .venv/bin/pip install -e ".[bench]"     # autograd; JAX is used if installed
  .venv/bin/python benchmarks/numpy_programs.py [--quick] [--rounds N]

Eight programs of the kind people write with NumPy and SciPy: a Gaussian-
process marginal likelihood (np.linalg.solve, slogdet), logistic regression,
an MLP classifier (logsumexp), a Gaussian mixture log-likelihood
(multivariate_normal.logpdf, logsumexp over components), an ICA
log-likelihood (slogdet of the unmixing matrix), an RNN over a short
sequence, a variational objective (norm.logpdf) and an HMM forward pass
(logsumexp). Each program is written once against a module parameter ``np``
(and ``sp`` for SciPy), so the same source runs with ``autograd.numpy`` and
``autograd.scipy``, with plain ``numpy`` and ``tapegrad.scipy``, and with
``jax.numpy`` and ``jax.scipy``.

For each program, the gradient of its objective with: HIPS autograd (if
installed), tapegrad eager (``tg.grad``), tapegrad ``tg.jit(tg.grad(f))``
(after a warm-up call), and JAX ``jax.jit(jax.grad(f))`` (if installed, in
float64). Every contender is timed in turns, round after round (medians);
the ratios are to autograd. The gradients are checked against autograd's
(tapegrad eager's when autograd is missing): the largest difference relative
to the largest entry is printed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import types
from collections.abc import Callable
from typing import Any

import numpy
from _common import have, interleaved, table

import tapegrad as tg
import tapegrad.scipy.special
import tapegrad.scipy.stats

Program = Callable[[Any, Any, dict[str, Any]], Callable[[Any], Any]]


# ------------------------------------------------------------------ programs
# Each takes the NumPy module ``np``, the SciPy namespace ``sp`` and the data,
# and returns the objective of the parameters (a pytree of arrays).

def gp_marginal_likelihood(np: Any, sp: Any, d: dict[str, Any]) -> Callable[[Any], Any]:
    """Negative log marginal likelihood of a GP with an RBF kernel."""
    x, y = d["x"], d["y"]
    sq = (x[:, None, :] - x[None, :, :]) ** 2

    def objective(p: Any) -> Any:
        amp, lengths, noise = np.exp(p["log_amp"]), np.exp(p["log_lengths"]), np.exp(p["log_noise"])
        k = amp * np.exp(-0.5 * np.sum(sq / lengths ** 2, axis=2)) + (noise + 1e-6) * np.eye(len(y))
        r = y - p["mean"]
        _, logdet = np.linalg.slogdet(k)
        return 0.5 * (r @ np.linalg.solve(k, r) + logdet + len(y) * np.log(2 * np.pi))
    return objective


def logistic_regression(np: Any, sp: Any, d: dict[str, Any]) -> Callable[[Any], Any]:
    """Negative log-likelihood of logistic regression with an L2 penalty."""
    x, t = d["x"], d["t"]

    def objective(p: Any) -> Any:
        z = x @ p["w"] + p["b"]
        return np.sum(np.logaddexp(0.0, z) - t * z) + 0.01 * np.sum(p["w"] ** 2)
    return objective


def mlp_classifier(np: Any, sp: Any, d: dict[str, Any]) -> Callable[[Any], Any]:
    """Cross-entropy of a tanh MLP, log-probabilities by logsumexp."""
    x, onehot = d["x"], d["onehot"]

    def objective(p: Any) -> Any:
        h = x
        for w, b in p[:-1]:
            h = np.tanh(h @ w + b)
        w, b = p[-1]
        logits = h @ w + b
        logprobs = logits - sp.special.logsumexp(logits, axis=1, keepdims=True)
        return -np.mean(np.sum(logprobs * onehot, axis=1))
    return objective


def gmm_log_likelihood(np: Any, sp: Any, d: dict[str, Any]) -> Callable[[Any], Any]:
    """Negative log-likelihood of a Gaussian mixture, full covariances."""
    x = d["x"]
    eye = numpy.eye(x.shape[1])

    def objective(p: Any) -> Any:
        logw = p["logits"] - sp.special.logsumexp(p["logits"])
        per_component = []
        for k in range(len(d["k"])):
            f = p["factors"][k]
            cov = f @ f.T + 0.1 * eye
            logpdf = sp.stats.multivariate_normal.logpdf(x, p["means"][k], cov)
            per_component.append(logw[k] + logpdf)
        return -np.sum(sp.special.logsumexp(np.stack(per_component), axis=0))
    return objective


def ica_log_likelihood(np: Any, sp: Any, d: dict[str, Any]) -> Callable[[Any], Any]:
    """Negative log-likelihood of ICA with logistic sources, by the unmixing matrix."""
    x = d["x"]

    def objective(p: Any) -> Any:
        s = x @ p["unmix"].T
        log_sources = -s - 2.0 * np.logaddexp(0.0, -s)
        _, logdet = np.linalg.slogdet(p["unmix"])
        return -(np.sum(log_sources) + x.shape[0] * logdet) / x.shape[0]
    return objective


def rnn_sequence(np: Any, sp: Any, d: dict[str, Any]) -> Callable[[Any], Any]:
    """Next-symbol cross-entropy of a tanh RNN over a short one-hot sequence."""
    seq = d["seq"]                           # (time, batch, symbols)

    def objective(p: Any) -> Any:
        h = np.zeros((seq.shape[1], p["hh"].shape[0]))
        total = 0.0
        for t in range(seq.shape[0] - 1):
            h = np.tanh(seq[t] @ p["xh"] + h @ p["hh"] + p["h"])
            logits = h @ p["hy"] + p["y"]
            logprobs = logits - sp.special.logsumexp(logits, axis=1, keepdims=True)
            total = total + np.sum(logprobs * seq[t + 1])
        return -total / (seq.shape[0] * seq.shape[1])
    return objective


def variational_objective(np: Any, sp: Any, d: dict[str, Any]) -> Callable[[Any], Any]:
    """Negative ELBO of Bayesian linear regression, reparametrized samples."""
    x, y, eps = d["x"], d["y"], d["eps"]      # eps: (samples, weights)
    norm = sp.stats.norm

    def objective(p: Any) -> Any:
        w = p["mean"] + np.exp(p["log_std"]) * eps
        log_prior = np.sum(norm.logpdf(w, 0.0, 1.0), axis=1)
        log_lik = np.sum(norm.logpdf(y, w @ x.T, 0.5), axis=1)
        entropy = np.sum(p["log_std"])
        return -(np.mean(log_prior + log_lik) + entropy)
    return objective


def hmm_forward(np: Any, sp: Any, d: dict[str, Any]) -> Callable[[Any], Any]:
    """Negative log-likelihood of a symbol sequence by the HMM forward pass."""
    obs = d["obs"]                           # a list of ints
    lse = sp.special.logsumexp

    def objective(p: Any) -> Any:
        log_pi = p["pi"] - lse(p["pi"])
        log_a = p["a"] - lse(p["a"], axis=1, keepdims=True)
        log_b = p["b"] - lse(p["b"], axis=1, keepdims=True)
        alpha = log_pi + log_b[:, obs[0]]
        for o in obs[1:]:
            alpha = lse(alpha[:, None] + log_a, axis=0) + log_b[:, o]
        return -lse(alpha)
    return objective


# ---------------------------------------------------------------------- data
def make_data(name: str, tiny: bool, seed: int = 0) -> tuple[dict[str, Any], Any]:
    """Data and initial parameters (NumPy arrays) of program ``name``."""
    rs = numpy.random.RandomState(seed)
    if name == "gp":
        n, dim = (6, 2) if tiny else (60, 2)
        x = rs.randn(n, dim)
        y = numpy.sin(x.sum(1)) + 0.1 * rs.randn(n)
        params = {"log_amp": 0.1, "log_lengths": 0.1 * rs.randn(dim), "log_noise": -1.0,
                  "mean": 0.05}
        return {"x": x, "y": y}, params
    if name == "logistic":
        n, dim = (8, 3) if tiny else (500, 20)
        x = rs.randn(n, dim)
        t = (x @ rs.randn(dim) + 0.5 * rs.randn(n) > 0).astype(float)
        return {"x": x, "t": t}, {"w": 0.1 * rs.randn(dim), "b": 0.0}
    if name == "mlp":
        sizes = [3, 5, 4] if tiny else [20, 64, 64, 10]
        n = 7 if tiny else 256
        x = rs.randn(n, sizes[0])
        onehot = numpy.eye(sizes[-1])[rs.randint(0, sizes[-1], n)]
        params = [(rs.randn(m, k) / numpy.sqrt(m), 0.1 * rs.randn(k))
                  for m, k in zip(sizes[:-1], sizes[1:])]
        return {"x": x, "onehot": onehot}, params
    if name == "gmm":
        k, dim, n = (2, 2, 9) if tiny else (4, 3, 300)
        x = rs.randn(n, dim) + 2.0 * rs.randint(0, 2, (n, 1))
        params = {"logits": 0.1 * rs.randn(k), "means": rs.randn(k, dim),
                  "factors": numpy.eye(dim) + 0.1 * rs.randn(k, dim, dim)}
        return {"x": x, "k": list(range(k))}, params
    if name == "ica":
        dim, n = (3, 10) if tiny else (6, 500)
        sources = rs.logistic(size=(n, dim))
        x = sources @ (numpy.eye(dim) + 0.3 * rs.randn(dim, dim)).T
        return {"x": x}, {"unmix": numpy.eye(dim) + 0.1 * rs.randn(dim, dim)}
    if name == "rnn":
        steps, batch, symbols, hidden = (4, 2, 3, 5) if tiny else (12, 16, 10, 32)
        seq = numpy.eye(symbols)[rs.randint(0, symbols, (steps, batch))]
        params = {"xh": 0.3 * rs.randn(symbols, hidden), "hh": 0.3 * rs.randn(hidden, hidden),
                  "h": 0.1 * rs.randn(hidden), "hy": 0.3 * rs.randn(hidden, symbols),
                  "y": 0.1 * rs.randn(symbols)}
        return {"seq": seq}, params
    if name == "vi":
        n, dim, samples = (6, 3, 4) if tiny else (100, 10, 64)
        x = rs.randn(n, dim)
        y = x @ rs.randn(dim) + 0.5 * rs.randn(n)
        params = {"mean": 0.1 * rs.randn(dim), "log_std": -1.0 + 0.1 * rs.randn(dim)}
        return {"x": x, "y": y, "eps": rs.randn(samples, dim)}, params
    if name == "hmm":
        states, symbols, steps = (2, 3, 5) if tiny else (5, 8, 40)
        params = {"pi": 0.1 * rs.randn(states), "a": 0.5 * rs.randn(states, states),
                  "b": 0.5 * rs.randn(states, symbols)}
        return {"obs": [int(o) for o in rs.randint(0, symbols, steps)]}, params
    raise KeyError(name)


PROGRAMS: dict[str, Program] = {
    "gp": gp_marginal_likelihood, "logistic": logistic_regression, "mlp": mlp_classifier,
    "gmm": gmm_log_likelihood, "ica": ica_log_likelihood, "rnn": rnn_sequence,
    "vi": variational_objective, "hmm": hmm_forward,
}
DESCRIPTIONS = {name: (fn.__doc__ or "").strip().rstrip(".") for name, fn in PROGRAMS.items()}


# ---------------------------------------------------------------- libraries
def tapegrad_modules() -> tuple[Any, Any]:
    """Plain NumPy and tapegrad.scipy: what a tapegrad user imports."""
    sp = types.SimpleNamespace(special=tapegrad.scipy.special, stats=tapegrad.scipy.stats)
    return numpy, sp


def autograd_modules() -> tuple[Any, Any]:
    import autograd.numpy as anp
    import autograd.scipy.special as special
    import autograd.scipy.stats.multivariate_normal as mvn
    import autograd.scipy.stats.norm as norm
    return anp, types.SimpleNamespace(
        special=special, stats=types.SimpleNamespace(norm=norm, multivariate_normal=mvn))


def jax_modules() -> tuple[Any, Any]:
    import jax
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    import jax.scipy as jsp
    import jax.scipy.special  # noqa: F401
    import jax.scipy.stats  # noqa: F401
    return jnp, jsp


def leaves(tree: Any) -> list[numpy.ndarray]:
    """The arrays of a gradient pytree, dict keys sorted, as float64 NumPy."""
    if isinstance(tree, dict):
        return [a for k in sorted(tree) for a in leaves(tree[k])]
    if isinstance(tree, (list, tuple)):
        return [a for t in tree for a in leaves(t)]
    return [numpy.asarray(tree, dtype=float).ravel()]


def max_rel_diff(a: Any, b: Any) -> float:
    """Largest absolute difference of two gradient pytrees over the largest entry of ``b``."""
    x, y = numpy.concatenate(leaves(a)), numpy.concatenate(leaves(b))
    return float(numpy.max(numpy.abs(x - y)) / max(numpy.max(numpy.abs(y)), 1e-300))


def contenders(name: str, peers: dict[str, bool]) -> dict[str, Callable[[], Any]]:
    """One call of each contender's gradient of program ``name`` (warm-ups done)."""
    data, params = make_data(name, tiny=False)
    np_, sp_ = tapegrad_modules()
    f = PROGRAMS[name](np_, sp_, data)
    jobs: dict[str, Callable[[], Any]] = {}
    if peers["autograd"]:
        import autograd
        anp, asp = autograd_modules()
        ag = autograd.grad(PROGRAMS[name](anp, asp, data))
        jobs["autograd"] = lambda: ag(params)
    eager = tg.grad(f)
    jobs["tapegrad eager"] = lambda: eager(params)
    jitted = tg.jit(tg.grad(f))
    jitted(params)
    jobs["tapegrad jit"] = lambda: jitted(params)
    if peers["jax"]:
        import jax
        jnp, jsp = jax_modules()
        jdata = {k: (jnp.asarray(v) if isinstance(v, numpy.ndarray) else v)
                 for k, v in data.items()}
        jparams = jax.tree_util.tree_map(jnp.asarray, params)
        jg = jax.jit(jax.grad(PROGRAMS[name](jnp, jsp, jdata)))
        jax.block_until_ready(jg(jparams))
        jobs["JAX jit"] = lambda: jax.block_until_ready(jg(jparams))
    return jobs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="5 rounds, shorter samples")
    ap.add_argument("--rounds", type=int, default=None,
                    help="rounds of turns (default 11; 5 with --quick)")
    ap.add_argument("--programs", default=",".join(PROGRAMS),
                    help="comma-separated subset of " + ", ".join(PROGRAMS))
    args = ap.parse_args()
    rounds = args.rounds or (5 if args.quick else 11)
    work = 0.01 if args.quick else 0.03
    peers = {"autograd": have("autograd"), "jax": have("jax")}
    if peers["jax"]:
        jax_modules()
    names = [n.strip() for n in args.programs.split(",") if n.strip()]
    print(f"Python {sys.version.split()[0]}, NumPy {numpy.__version__}; peers: "
          + ", ".join(k for k, v in peers.items() if v) + f"; {rounds} rounds\n")

    jobs: dict[tuple[str, str], Callable[[], Any]] = {}
    for name in names:
        for who, fn in contenders(name, peers).items():
            jobs[(name, who)] = fn
    grads = {key: fn() for key, fn in jobs.items()}
    times = interleaved(jobs, rounds, work=work)

    who_all = [w for w in ("autograd", "tapegrad eager", "tapegrad jit", "JAX jit")
               if any((n, w) in jobs for n in names)]
    base = "autograd" if peers["autograd"] else "tapegrad eager"
    rows = [("program", *who_all, "max rel diff vs " + base)]
    ratios: dict[str, list[float]] = {w: [] for w in who_all}
    for name in names:
        cells = []
        for w in who_all:
            t = times[(name, w)]
            r = t / times[(name, base)]
            ratios[w].append(r)
            cells.append(f"{t * 1e3:.3f} ms" + ("" if w == base else f" ({r:.2f}x)"))
        diffs = [max_rel_diff(grads[(name, w)], grads[(name, base)]) for w in who_all if w != base]
        rows.append((name, *cells, f"{max(diffs):.1e}" if diffs else ""))
    rows.append(("median ratio", *[f"{statistics.median(ratios[w]):.2f}x" for w in who_all], ""))
    print(table(rows))
    same = {n: max_rel_diff(grads[(n, "tapegrad jit")], grads[(n, "tapegrad eager")]) == 0
            for n in names}
    print("\ntapegrad jit against eager, bit for bit: "
          + ", ".join(f"{n} {'yes' if ok else 'NO'}" for n, ok in same.items()))
    print("\nPrograms:")
    for name in names:
        print(f"  {name}: {DESCRIPTIONS[name]}")


if __name__ == "__main__":
    main()
