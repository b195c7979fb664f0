"""Class-balanced logistic regression in numpy: the abstention model and the re-ranker are fitted with it."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

__all__ = ["fit_logistic"]

FloatArray = npt.NDArray[np.float64]


def fit_logistic(
    x: FloatArray,
    y: FloatArray,
    prior: dict[str, float] | None = None,
    *,
    names: Sequence[str],
    l2: float = 3e-4,
    steps: int = 20000,
    lr: float = 2.0,
    nonneg: bool = False,
    sample_weight: FloatArray | None = None,
) -> dict[str, float]:
    """Class-balanced logistic regression (columns of ``x`` named by ``names``), by gradient descent.

    The L2 penalty pulls the weights (not the bias) towards ``prior``, so a
    refit on a few traces stays close to the weights it started from.
    ``nonneg`` keeps every weight but the bias at 0 or above (projected
    gradient): for signals where more can never mean "fits less".
    ``sample_weight`` weighs rows (e.g. so that every source counts the same);
    the two classes still weigh the same in total.
    """
    n, d = x.shape
    xb = np.hstack([np.ones((n, 1)), x])
    p0 = np.zeros(d + 1) if prior is None else np.asarray([prior.get("bias", 0.0)] + [prior.get(k, 0.0) for k in names])
    w = p0.copy()
    rw = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    pos = max(float((rw * (y > 0)).sum()), 1e-12)
    neg = max(float((rw * (y <= 0)).sum()), 1e-12)
    sw = rw * np.where(y > 0, n / (2 * pos), n / (2 * neg))
    mask = np.r_[0.0, np.ones(d)]
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-np.clip(xb @ w, -30, 30)))
        grad = xb.T @ ((p - y) * sw) / n + l2 * mask * (w - p0)
        w -= lr * grad
        if nonneg:
            w[1:] = np.maximum(w[1:], 0.0)
    return {"bias": float(w[0]), **{k: float(v) for k, v in zip(names, w[1:], strict=True)}}
