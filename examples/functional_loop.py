"""A JAX-style training loop: value_and_grad, Adam, checkpoints, resume.

  python examples/functional_loop.py --steps 300 --every 50 --ckpt run.json
  python examples/functional_loop.py --steps 300 --ckpt run.json --resume

An MLP 1-16-16-1 (tanh) fits y = sin(3x) on 64 points with Adam and a
cosine-decayed learning rate. Everything the run needs to continue (step,
length, parameters, optimizer state) is one pytree, saved with
``tg.io.save`` every ``--every`` steps and at the end. ``--resume`` loads
the checkpoint and goes on, with the ``--steps`` it was started with (the
learning rate decays over them); because every step is a pure function of
that pytree, the resumed run ends exactly where an uninterrupted one does.
``--stop-after`` ends a run early, as an interruption would. Each line
printed gives the loss of the parameters saved in that checkpoint.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

import numpy as np

import tapegrad as tg

X = np.linspace(-1.0, 1.0, 64)
Y = np.sin(3.0 * X)


def loss_fn(params: Any, x: np.ndarray, y: np.ndarray) -> Any:
    pred = tg.nn.mlp(params, [x], activation=tg.tanh)[0]
    return tg.mean(tg.nn.mse(pred, y))


def make_optimizer(steps: int) -> tg.optim.GradientTransformation:
    return tg.optim.adam(tg.optim.cosine_decay(0.02, steps, alpha=0.1))


def train_step(optimizer: tg.optim.GradientTransformation, run: dict[str, Any]
               ) -> tuple[dict[str, Any], float]:
    """(run) -> (run, loss): the whole state in, the whole state out."""
    loss, grads = tg.value_and_grad(loss_fn)(run["params"], X, Y)
    updates, opt_state = optimizer.update(grads, run["opt_state"], run["params"])
    params = tg.optim.apply_updates(run["params"], updates)
    return {**run, "step": run["step"] + 1, "params": params, "opt_state": opt_state}, loss


def fresh_run(optimizer: tg.optim.GradientTransformation, seed: int, steps: int
              ) -> dict[str, Any]:
    params = tg.nn.mlp_init([1, 16, 16, 1], seed=seed)
    return {"step": 0, "steps": steps, "params": params, "opt_state": optimizer.init(params)}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=300, help="total steps (300)")
    parser.add_argument("--every", type=int, default=50, help="checkpoint period (50)")
    parser.add_argument("--ckpt", default="functional_loop_ckpt.json",
                        help="checkpoint file (functional_loop_ckpt.json)")
    parser.add_argument("--resume", action="store_true", help="continue from --ckpt")
    parser.add_argument("--stop-after", type=int, default=None,
                        help="end after this many steps of this invocation")
    parser.add_argument("--seed", type=int, default=None,
                        help="seed of the initial weights of a new run (0); a resumed "
                             "run continues from the checkpoint's weights")
    args = parser.parse_args(argv)
    if min(args.steps, args.every) < 1 or (args.stop_after is not None and args.stop_after < 0):
        parser.error("--steps and --every must be at least 1, --stop-after at least 0")
    if args.resume and args.seed is not None:
        parser.error("--seed chooses the initial weights of a new run; --resume "
                     "continues from the checkpoint's, so give one or the other")

    optimizer = make_optimizer(args.steps)
    template = fresh_run(optimizer, 0 if args.seed is None else args.seed, args.steps)
    if args.resume:
        if not os.path.exists(args.ckpt):
            parser.error(f"--resume: no checkpoint at {args.ckpt}")
        run = tg.io.load(args.ckpt, like=template)     # checks the structure too
        if run["steps"] != args.steps:
            parser.error(f"--resume: {args.ckpt} is a run of {run['steps']} steps, and its "
                         f"learning rate decays over them: give --steps {run['steps']}")
        print(f"resumed from {args.ckpt} at step {run['step']}")
    else:
        run = template
    budget = args.steps if args.stop_after is None else run["step"] + args.stop_after
    while run["step"] < min(args.steps, budget):
        run, _ = train_step(optimizer, run)
        if run["step"] % args.every == 0 or run["step"] == args.steps:
            tg.io.save(args.ckpt, run)
            loss = loss_fn(run["params"], X, Y)     # of the parameters just saved
            print(f"step {run['step']:4d}  loss {loss:.6f}  (checkpoint {args.ckpt})")
    tg.io.save(args.ckpt, run)
    final = loss_fn(run["params"], X, Y)
    print(f"stopped at step {run['step']}; loss {final:.6f}")
    return run


if __name__ == "__main__":
    main()
