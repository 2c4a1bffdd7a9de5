"""Array programs, part fifteen: public NumPy code as its authors wrote it.

Each program is a snippet from a public repository (named in its docstring),
made a function of one float vector with the fewest changes: the author's
loops, in-place updates, aliases, ``while`` to a tolerance with ``break``,
Python's ``max``/``math`` on traced numbers. Machine learning from scratch
(softmax regression trained by ``W -= lr * dW``, cross-entropy gathered by
``p[range(m), y]`` with ``grad[range(m), y] -= 1``, an RNN over
``np.concatenate``, a GRU step on weight slices, batch normalization three
ways), linear algebra (conjugate gradients with ``break``, ``while`` and
``np.linalg.norm``, Gauss-Seidel five ways including an aliasing
``x0 = x1``, Jacobi by ``np.linalg.inv(D)``, Gram-Schmidt by
``np.column_stack`` and in place on columns, power iteration with a sign flip),
geometry (quaternion products by tuple unpacking, ``np.insert``, rotations by
``np.cross``), population dynamics (SIR by Euler on preallocated arrays, with
``enumerate`` and ``continue``, Lotka-Volterra with ``max(..., 0)``, a
predator-prey list of states, a class update), statistics (EM on a 1-D mixture
by ``np.repeat``, likelihoods by ``stats.norm.logpdf``, ``stats.gamma.logpdf``
with an early ``return -np.inf``, ``loggamma`` and ``gammaln``, online Bayesian
linear regression predicting by SciPy's frozen ``stats.norm(loc, scale)``,
kernel density estimates in loops), economics (log utility on a portfolio, a
Cobb-Douglas Lagrangian), Markov chains (``expm`` of a rate matrix), image
denoising (Chambolle's ROF by ``np.roll`` to a tolerance, total variation with
``...`` slices and writes), convolutions (a padded 1-D loop against
``np.convolve``), word2vec's negative sampling, two-layer networks (manual
backprop with ``grad_h[h < 0] = 0``, ``Z[Z < 0] = 0``), pairwise distances
(``np.newaxis``, ``einsum``, a triple loop) and linear-quadratic control (a
Riccati iteration to a Frobenius tolerance, a closed-loop rollout).

Where an author multiplies a NumPy constant by ``X.dot(W)``, ``np.array`` of
traced numbers, or ``math.sqrt`` of one, the program says what it was
(``# was ...``): tapegrad refuses those, naming the spelling written instead.

Where an author preallocates by ``np.zeros(n)`` and writes traced numbers in,
the array is made by ``np.zeros_like`` of a traced one (a NumPy array cannot
hold a traced number: docs/numpy.md, "Writing into an array").
"""

from __future__ import annotations

import math

import numpy as np
from program_cases import Case, registrar

import tapegrad.scipy.linalg as sla
import tapegrad.scipy.special as special
import tapegrad.scipy.stats as stats

PROGRAMS: dict[str, Case] = {}
case = registrar(PROGRAMS)

RS = np.random.RandomState(15)
KINK = "piecewise: the Hessian's differences straddle a kink"
LOOP = "a loop to a tolerance: the Hessian's differences change its trip count"


# ------------------------------------------------------------ machine learning from scratch
X_SM = np.array([[1, 2], [1.5, 2.5], [2, 3]])
Y_SM = np.array([[0, 1, 0], [1, 0, 0], [0, 0, 1]])


@case(RS.randn(6), 1, scale=0.2)
def softmax_regression_dllab(w):
    """ThePrinceInExile312/DLlab DL2.py: softmax, cross-entropy, W -= lr * dW over epochs."""
    def softmax(x):
        ex = np.exp(x - np.max(x, axis=1, keepdims=True))
        return ex / np.sum(ex, axis=1, keepdims=True)

    def cross_entropy(y_true, y_pred):
        return -np.mean(np.sum(y_true * np.log(y_pred), axis=1))
    X, y = X_SM, Y_SM
    W = w.reshape(2, 3).copy()
    lr = 0.1
    for epoch in range(10):  # noqa: B007
        logits = X @ W
        pred = softmax(logits)
        loss = cross_entropy(y, pred)
        grad = (pred - y) / len(X)
        dW = X.T @ grad
        W -= lr * dW
    return loss + cross_entropy(y, softmax(X @ W))


DATA_LG = np.array([[5.1, 3.5, 1.4, 0.2], [4.9, 3.0, 1.4, 0.2], [7.0, 3.2, 4.7, 1.4],
                    [6.4, 3.2, 4.5, 1.5], [6.3, 3.3, 6.0, 2.5], [5.8, 2.7, 5.1, 1.9]])
TARGET_LG = np.array([0, 0, 1, 1, 2, 2])


@case(0.1 * RS.randn(15), 2, scale=0.3)
def logistic14_onehot_equal(p):
    """center4ml/016_2022_Biologia_Systemow_IBB logistic14.py: np.insert, np.equal one-hot, -=."""
    design = np.insert(DATA_LG, 0, 1., 1)
    onehot = np.equal(np.arange(3), TARGET_LG[:, None])
    param = p.reshape(5, 3).copy()
    for epoch in range(20):  # noqa: B007
        activation = design @ param
        exp = np.exp(activation)
        sum = exp.sum(1, keepdims = True)  # noqa: A001, E251
        activity = exp / sum
        log = np.log(activity)
        entropy = -np.sum(onehot * log, 1)
        loss = entropy.sum()
        grad = design.T @ (activity - onehot)
        param -= 0.001 * grad
    return loss


Y_CE = np.array([2, 0, 1, 1])


@case(RS.randn(12), 3, scale=0.2)
def cross_entropy_range_index(s):
    """DEVLOKER/neural-network 2/CrossEntropy.py: p[range(m), y]; grad[range(m), y] -= 1."""
    def softmax(x):
        exp_x = np.exp(x - np.max(x, axis=1, keepdims=True))
        out = exp_x / np.sum(exp_x, axis=1, keepdims=True)
        return out
    X, y = s.reshape(4, 3), Y_CE
    m = y.shape[0]
    p = softmax(X)
    cross_entropy = -np.log(p[range(m), y])
    loss = np.sum(cross_entropy) / m
    grad = softmax(X)
    grad[range(m), y] -= 1
    grad /= m
    return loss + np.sum(grad ** 2)


@case(RS.randn(12), 4, scale=0.2)
def delta_cross_entropy_exps(s):
    """A softmax/cross-entropy gist: exps = np.exp(X) - np.max(X) (sic), a column softmax."""
    def softmax(X):
        exps = np.exp(X) - np.max(X)
        return exps / np.sum(exps, axis=0)

    def cross_entropy(X, y):
        m = y.shape[0]
        p = softmax(X)
        log_likelihood = -np.log(np.abs(p[range(m), y]))    # abs: the sic softmax may be < 0
        loss = np.sum(log_likelihood) / m
        return loss

    def delta_cross_entropy(X, y):
        m = y.shape[0]
        grad = softmax(X)
        grad[range(m), y] -= 1
        grad = grad/m
        return grad
    X = s.reshape(4, 3) + 3.0
    return cross_entropy(X, Y_CE) + np.sum(delta_cross_entropy(X, Y_CE) * X)


W_RNN = RS.rand(4, 3) - 0.5
U_RNN = RS.rand(4, 4) - 0.5
B_RNN = RS.rand(4) - 0.5


@case(RS.randn(15), 5, scale=0.2)
def rnn_successive_outputs(p):
    """Chollet's NumPy RNN forward pass: for input_t in inputs, np.concatenate(outputs)."""
    inputs = p.reshape(5, 3)
    state_t = np.zeros((4))  # noqa: UP034
    W, U, b = W_RNN, U_RNN, B_RNN
    successive_outputs = []
    for input_t in inputs:
        output_t = np.tanh(np.dot(W, input_t) + np.dot(U, state_t) + b)
        successive_outputs.append(output_t)
        state_t = output_t
    final_output_sequence = np.concatenate(successive_outputs, axis=0)
    return np.sum(final_output_sequence ** 2)


WX_GRU = 0.5 * RS.randn(3, 6)
WH_GRU = 0.5 * RS.randn(2, 6)
B_GRU = 0.1 * RS.randn(6)


@case(RS.randn(12), 6, scale=0.2)
def gru_step_weight_slices(p):
    """A GRU level-01 exercise: gates from w_x[:, :h], w_x[:, h:2 * h], a time loop on x.shape."""
    def sigmoid(x):
        return 1.0 / (1.0 + np.exp(-x))

    def gru_step(x_t, h_prev, w_x, w_h, b):
        h = h_prev.shape[1]
        z = sigmoid(x_t @ w_x[:, :h] + h_prev @ w_h[:, :h] + b[:h])
        r = sigmoid(x_t @ w_x[:, h:2 * h] + h_prev @ w_h[:, h:2 * h] + b[h:2 * h])
        n_pre = x_t @ w_x[:, 2 * h:3 * h] + (r * h_prev) @ w_h[:, 2 * h:3 * h] + b[2 * h:3 * h]
        n = np.tanh(n_pre)
        h_t = (1.0 - z) * n + z * h_prev
        return h_t

    def gru_forward(x, h0, w_x, w_h, b):
        t_steps, batch, _ = x.shape
        h = h0
        hs = []
        for t in range(t_steps):
            h = gru_step(x[t], h, w_x, w_h, b)
            hs.append(h)
        return np.stack(hs)
    x = p.reshape(2, 2, 3)
    return np.sum(gru_forward(x, np.zeros((2, 2)), WX_GRU, WH_GRU, B_GRU) * [1.0, -2.0])


@case(RS.randn(12), 7, scale=0.2)
def batchnorm_kratzert_steps(p):
    """kratzert's batchnorm_forward: mu, xmu, sq, var, sqrtvar, ivar, xhat in nine steps."""
    def batchnorm_forward(x, gamma, beta, eps):
        N, D = x.shape
        mu = 1./N * np.sum(x, axis = 0)  # noqa: E251
        xmu = x - mu
        sq = xmu ** 2
        var = 1./N * np.sum(sq, axis = 0)  # noqa: E251
        sqrtvar = np.sqrt(var + eps)
        ivar = 1./sqrtvar
        xhat = xmu * ivar
        gammax = gamma * xhat
        out = gammax + beta
        cache = (xhat,gamma,xmu,ivar,sqrtvar,var,eps)
        return out, cache
    out, cache = batchnorm_forward(p.reshape(4, 3), np.array([1.0, 2.0, 0.5]),
                                   np.array([0.1, 0.0, -0.1]), 1e-5)
    return np.sum(out * np.arange(12.0).reshape(4, 3)) + np.sum(cache[3])


@case(RS.randn(12), 8, scale=0.2)
def batchnorm_running_stats(p):
    """hannawong/MLE-interview BN: x.mean(axis=0), x.var(axis=0), running mean by momentum."""
    class MyBN:
        def __init__(self, momentum, eps, num_features):
            self._running_mean = 0
            self._running_var = 1
            self._momentum = momentum
            self._eps = eps
            self._beta = np.zeros(shape=(num_features, ))
            self._gamma = np.ones(shape=(num_features, ))

        def batch_norm(self, x):
            x_mean = x.mean(axis=0)
            x_var = x.var(axis=0)
            self._running_mean = (1-self._momentum)*x_mean + self._momentum*self._running_mean
            self._running_var = (1-self._momentum)*x_var + self._momentum*self._running_var
            x_hat = (x-x_mean)/np.sqrt(x_var+self._eps)
            y = self._gamma*x_hat + self._beta
            return y
    bn = MyBN(0.9, 1e-5, 3)
    x = p.reshape(4, 3)
    y = bn.batch_norm(x)
    y2 = bn.batch_norm(x * 2.0 + y)
    return np.sum(y2 * x) + np.sum(bn._running_var) + np.sum(bn._running_mean ** 2)


@case(RS.randn(12), 9, scale=0.2)
def batchnorm_ddof_zero_sd(p):
    """A batch-norm gradient check: ddof = 1 if N > 1, sd[sd == 0] = 1.0 when eps == 0."""
    def batchnorm_forward(x, gamma, beta, eps):
        N, D = x.shape
        ddof = 1 if N > 1 else 0
        mu = 1. / N * np.sum(x, axis=0)
        xmu = x - mu
        sq = xmu ** 2
        var = 1. / (N-ddof) * np.sum(sq, axis=0)
        if eps == 0.0:
            sd = np.sqrt(var)
            sd[sd == 0] = 1.0
        else:
            sd = np.sqrt(var + eps)
        xhat = xmu / sd
        return gamma * xhat + beta
    x = p.reshape(4, 3)
    x = np.concatenate([x, np.ones((4, 1))], axis=1)      # a constant column: sd == 0
    out = batchnorm_forward(x, 1.5, 0.2, 0.0)
    return np.sum(out * np.cos(np.arange(16.0)).reshape(4, 4))


# ------------------------------------------------------------ conjugate gradients
A_SPD = np.array([[4.0, 1.0, 0.5, 0.0], [1.0, 3.0, 0.2, 0.1], [0.5, 0.2, 2.0, 0.3],
                  [0.0, 0.1, 0.3, 1.5]])


@case([1.0, 2.0, -1.0, 0.5], 10, scale=0.3, rtol=1e-5, no_hessian=LOOP)
def conjgrad_kiusalaas_break(b):
    """Kiusalaas' conjGrad module: for i in range(n), math.sqrt(np.dot(r, r)) < tol: break."""
    def Av(v):
        return A_SPD @ v

    def conjGrad(Av,x,b,tol=1.0e-9):
        n = len(b)
        r = b - Av(x)
        s = r.copy()
        for i in range(n):  # noqa: B007
            u = Av(s)
            alpha = np.dot(s,r)/np.dot(s,u)
            x = x + alpha*s
            r = b - Av(x)
            if(np.sqrt(np.dot(r,r))) < tol:   # was math.sqrt
                break
            else:
                beta = -np.dot(r,u)/np.dot(s,u)
                s = r + beta*s
        return x,i
    x, i = conjGrad(Av, np.zeros(4), b)
    return np.sum(x * [1.0, 2.0, 3.0, 4.0]) + i


@case([1.0, 2.0, -1.0, 0.5], 11, scale=0.3, rtol=1e-5, no_hessian=LOOP)
def cg_sempy_while(b):
    """SealUofI/SemPy sempy/iterative.py: while niter < 100 and rdotr > TOL (print dropped)."""
    def A(v):
        return A_SPD @ v

    def cg(A,b,tol=1e-8):
        assert b.ndim==1
        n=b.size
        x=np.zeros((n,),dtype=np.float64)
        norm_b=np.dot(b,b)
        TOL=max(tol*tol*norm_b,tol*tol)
        r=b
        rdotr=np.dot(r,r)
        niter=0
        if rdotr<1.e-20:
            return x,niter
        p=r
        while niter<100 and rdotr>TOL:
            Ap=A(p)
            pAp=np.dot(p,Ap)
            alpha=rdotr/pAp
            x=x+alpha*p
            r=r-alpha*Ap
            rdotr0=rdotr
            rdotr=np.dot(r,r)
            beta=rdotr/rdotr0
            p=r+beta*p
            niter=niter+1
        return x,niter
    x, niter = cg(A, b)
    return np.sum(x ** 2) + niter


@case([1.0, 2.0, -1.0, 0.5], 12, scale=0.3, rtol=1e-5, no_hessian=LOOP)
def cg_norm_residual_search_direction(b):
    """A CG exercise: while norm(r) > tol and i <= maxiter, dp from r.T @ (_A @ d)."""
    def cg(_A, _b, maxiter=100, tol=1e-8):
        x = np.zeros(len(_A))
        r = _b - _A @ x
        d = np.zeros(len(_b))
        i = 0
        while (np.linalg.norm(r) > tol) and (i <= maxiter):
            r = _b - _A @ x
            if i == 0:
                dp = r
            else:
                dp = r - (r.T @ (_A @ d)) / (d.T @ (_A @ d)) * d
            x = x + (r.T @ r) / (dp.T @ (_A @ dp)) * dp
            i += 1
            d = dp
        return x
    return np.sum(cg(A_SPD, b) * [0.5, -1.0, 2.0, 1.0])


# ------------------------------------------------------------ Gauss-Seidel and Jacobi
A_GS = np.array([[4.0, 0.0, 1.0], [1.0, 4.0, 1.0], [1.0, 0.0, 4.0]])


@case([3.0, -1.0, 2.0], 13, scale=0.3)
def gauss_seidel_alias_x0_x1(b):
    """ogulcano/Numerical-Python Gauss-Siedel.py: x1[i] = ..., then x0 = x1 (an alias)."""
    A = A_GS
    n = len(b)
    x0 = np.ones_like(b)
    x1 = np.zeros_like(b)
    for _ in range(10):
        for i in range(n):
            k1 = 0
            for j in range(i):
                k1 += A[i,j]*x1[j]
            k2 = 0
            for j in range(i+1,n):
                k2 += A[i,j]*x0[j]
            x1[i] = (1/A[i,i])*(b[i] - k1 -k2)
        x0 = x1
    return np.sum(x0 * [1.0, 2.0, 3.0])


A_GS2 = np.array([[12.0, 3, -5], [1, 5, 3], [3, 7, 13]])


@case([1.0, 28.0, 76.0], 14, scale=0.1)
def gauss_siedel_sum_if_ne(b):
    """DeVcB13d/optimization_and_numerical_methods gauss_siedel.py: sum = b[i], if i != j."""
    def gauss_siedel(A,b):
        n = len(A)
        x = np.zeros_like(b)
        x_new = np.zeros_like(b)
        for iter in range(0,5):  # noqa: A001, B007
            for i in range(0,n):
                sum = b[i]  # noqa: A001
                for j in range(0,n):
                    if i != j:
                        sum = sum - A[i,j] * x[j]  # noqa: A001
                x_new[i] = sum / A[i,i]
                x[i] = x_new[i]
        return x
    return np.sum(gauss_siedel(A_GS2, b) ** 2)


A_GS3 = np.array([[10.0, -1, 2, 0], [-1, 11, -1, 3], [2, -1, 10, -1], [0, 3, -1, 8]])


@case([6.0, 25.0, -11.0, 15.0], 15, scale=0.1)
def gauss_seidel_while_true_diff(b):
    """adityapgupta/Numerical_Methods Q3.py: while True, diff list, x = x_new (then an alias)."""
    def gauss_seidel(A,b,x_0):
        n = len(A)
        x = x_0
        x_new = np.zeros_like(b)
        while True:
            for j in range(n):
                x_new[j] = (b[j] - np.dot(A[j][:j],x[:j]) - np.dot(A[j][j+1:],x[j+1:]))/A[j][j]
            diff = [abs(x_new[i] - x[i]) for i in range(n)]
            if max(diff) < 1e-5:
                break
            x = x_new
        return x_new
    return np.sum(gauss_seidel(A_GS3, b, np.zeros(4)) * [1.0, -1.0, 2.0, 0.5])


@case([6.0, 25.0, -11.0, 15.0], 16, scale=0.1, rtol=1e-5, no_hessian=LOOP)
def gauss_seidel_norm_break(b):
    """A Gauss-Seidel module: x_next = np.zeros_like(x), break on np.linalg.norm(b - A @ x)."""
    def gauss_seidel(A, b, x=None, eps=1e-10, max_iter=1000):
        n, *_ = A.shape
        if x is None:
            x = np.zeros_like(b)
        for _ in range(max_iter):
            x_next = np.zeros_like(x)
            for i in range(n):
                left = np.dot(A[i, :i], x_next[:i])
                right = np.dot(A[i, i + 1:], x[i + 1:])
                x_next[i] = (b[i] - left - right) / A[i, i]
            x = x_next
            if np.linalg.norm(b - A @ x) < eps:
                break
        return x
    return np.sum(gauss_seidel(A_GS3, b) * [1.0, 2.0, -1.0, 0.5])


@case([6.0, 25.0, -11.0, 15.0], 17, scale=0.1)
def seidel_in_place_step(b):
    """A Gauss-Seidel step seidel(a, x, b): x[j] = d / a[j, j] updating x in place."""
    def seidel(a, x, b):
        n = len(a)
        for j in range(n):
            d = b[j] - np.dot(a[j, :j], x[:j]) - np.dot(a[j, j + 1 :], x[j + 1 :])
            x[j] = d / a[j, j]
        return x
    x = np.zeros_like(b)
    for _ in range(6):
        x = seidel(A_GS3, x, b)
    return np.sum(x ** 2)


@case([4.0, 6.0, 19.0], 18, scale=0.2)
def jacobi_inv_diag(b):
    """rursvd/algornumerical ch14-1.py: Jacobi by np.tril, np.triu, np.diag(np.diag(A)), inv(D)."""
    A = np.array([[2,1,0],[1,4,-1],[0,-1,7]])
    N = 10
    xold = np.array([0.0,0.0,0.0])
    L = np.tril(A,-1)
    U = np.triu(A,1)
    D = np.diag(np.diag(A))
    former = np.linalg.inv(D) @ b
    for k in range(N):  # noqa: B007
        latter = - (np.linalg.inv(D) @ (L+ U)) @ xold
        xnew = former + latter
        xold = xnew
    return np.sum(xold * [1.0, -2.0, 3.0])


@case([1.0, 2.0, -1.5, 0.5, 0.2, 0.9], 19, scale=0.2)
def jacobi_diagflat_gs(p):
    """Jon Sowman's SESG6025 gs(A, b): D = diag(A), R = A - diagflat(D), t1/t2 loops, A traced."""
    def gs(A, b, iterations=25, x=None):
        if x is None:
            x = np.zeros_like(b)
        n = len(A[0])
        for its in range(iterations):  # noqa: B007
            for i in range(n):
                t1 = 0
                t2 = 0
                for j in range(i):
                    t1 += A[i][j] * x[j]
                for j in range(i + 1, n):
                    t2 += A[i][j] * x[j]
                x[i] = (b[i] - t1 - t2) / A[i][i]
        return x
    A = np.diagflat(p[:3] + 4.0) + np.array([[0.0, 1.0, 0.5], [0.3, 0.0, 0.2], [0.1, 0.4, 0.0]])
    return np.sum(gs(A, p[3:]) ** 2)


# ------------------------------------------------------------ Gram-Schmidt and power iteration
@case(RS.rand(12), 20, scale=0.1)
def gramschmidt_column_stack(p):
    """A classic Gram-Schmidt: Q = A[:, [0]] / norm, np.column_stack, break on a small nq."""
    def gramschmidt(A):
        _, k = A.shape
        Q = A[:, [0]] / np.linalg.norm(A[:, 0])
        for j in range(1, k):
            q = A[:, j] - np.dot(Q, np.dot(Q.T, A[:, j]))
            nq = np.linalg.norm(q)
            if nq < 1e-9 * np.linalg.norm(A[:, j]):
                break
            Q = np.column_stack([Q, q / nq])
        return Q
    Q = gramschmidt(p.reshape(4, 3))
    return np.sum(Q * np.arange(12.0).reshape(4, 3))


@case(RS.rand(9), 21, scale=0.1)
def gram_schmidt_in_place_columns(p):
    """JEENB/lattice src/gs.py: A[:, j] -= np.dot(A[:, k], A[:, j]) * A[:, k] in place."""
    def gram_schmidt(A):
        n = A.shape[1]
        for j in range(n):
            for k in range(j):
                A[:, j] -= np.dot(A[:, k], A[:, j]) * A[:, k]
            A[:, j] = A[:, j] / np.linalg.norm(A[:, j])
        return A
    Q = gram_schmidt(p.reshape(3, 3).copy())
    return np.sum(Q * np.array([[1.0, 2, 3], [-1, 0, 2], [0.5, 1, -1]]))


@case(RS.rand(12), 22, scale=0.1)
def gsr_projection_vnorms(p):
    """shiyuanhu/chaos_example gsr.py: proj(v, u), vnorms[i] = norm, A / vnorms."""
    def gsr(A):
        def proj(v,u):
            prefc = v.dot(u)/u.dot(u)
            return prefc*u
        _,ncol = A.shape
        vnorms = np.zeros_like(A[0])
        vnorms[0] = np.linalg.norm(A[:,0])
        for i in range(1,ncol):
            Ai = A[:,i]
            Ai_new = np.copy(Ai)
            for j in range(0, i):
                Aj = A[:,j]
                Ai_new = Ai_new-proj(Ai,Aj)
            vnorms[i] = np.linalg.norm(Ai_new)
            A[:,i] = Ai_new
        return A/vnorms, vnorms
    Q, vn = gsr(p.reshape(4, 3).copy())
    return np.sum(Q * np.arange(12.0).reshape(4, 3)) + np.sum(vn)


@case(RS.rand(12), 23, scale=0.1)
def orthonormal_pairs_columns(p):
    """John-zzh/ris-precond-Davidson gram-schimidt.py: Q[:, j] = orthonormal(Q[:, i], Q[:, j])."""
    def orthonormal (v1, v2):  # noqa: E211
        v2 = v2 - (np.dot(v1.T, v2) / np.dot(v1.T, v1)) * v1
        v2 = v2/np.linalg.norm(v2)
        return v2
    Q = p.reshape(4, 3).copy()
    n = 3
    for i in range (0,n-1):  # noqa: E211
        for j in range (i+1, n):  # noqa: E211
            Q[:,j] = orthonormal (Q[:,i], Q[:,j])  # noqa: E211
    for i in range (n):  # noqa: E211
        Q[:,i] = Q[:,i]/np.linalg.norm(Q[:,i])
    return np.sum(Q * np.arange(12.0).reshape(4, 3))


S_POW = np.array([[-30.0, 10.0, 20.0], [10.0, 40.0, -50.0], [20.0, -50.0, -10.0]])


@case([1.0, 0.2, 0.1], 24, scale=0.2, rtol=1e-4, no_hessian=LOOP, traces=2)
def power_method_sign_flip(v0):
    """Kiusalaas' example9_4: z = s v, v = z / zMag, flip on dot(vOld, v) < 0, break at 1e-6."""
    s = S_POW
    v = v0 / np.linalg.norm(v0)
    for i in range(100):  # noqa: B007
        vOld = v.copy()
        z = np.dot(s,v)
        zMag = np.sqrt(np.dot(z,z))   # was math.sqrt
        v = z/zMag
        if np.dot(vOld,v) < 0.0:
            sign = -1.0
            v = -v
        else: sign = 1.0
        if np.sqrt(np.dot(vOld - v,vOld - v)) < 1.0e-6: break   # was math.sqrt
    lam = sign*zMag           # (sign = -1.0, a constant in an arm: a guard, docs/compiling.md)
    return lam + v[0]


@case([6.0, 5.0, 4.0, 5.0], 25, scale=0.05, no_hessian=KINK)
def power_method_max_list(a):
    """kuladeep2112/NUMERICAL-METHODS powermethod.py: V = temp / np.max(temp), a list of values."""
    A = a.reshape(2, 2)
    V = np.transpose(np.array([1, 0]))
    n = 10
    eigenvalues = []
    for i in range(n):  # noqa: B007
        temp = np.matmul(A, V)
        V = temp/np.max(temp)
        m = np.max(temp)
        eigenvalues.append(m)
    return eigenvalues[-1] + V[1] + sum(eigenvalues) / n


@case([2.0, 1.0, 4.0, 5.0], 26, scale=0.05, rtol=1e-5, no_hessian=LOOP, traces=2)
def eig_power_argmax_flag(a):
    """WangXueFei11/homework 04.py: while flag, val = vk[np.argmax(np.abs(vk))] (@: no matrix)."""
    def eig_power(A,v0,eps):
        uk = v0
        flag = 1
        val_old = 0
        n = 0
        while flag:
            n = n+1
            vk = A @ uk
            val = vk[np.argmax(np.abs(vk))]
            uk = vk/val
            if (np.abs(val-val_old)<eps):
                flag = 0          # a constant in an arm: a guard (docs/compiling.md)
            val_old = val
        return val, uk
    val, uk = eig_power(a.reshape(2, 2), np.array([[1.0], [1.0]]), 1e-10)
    return val[0] + np.sum(uk)


# ------------------------------------------------------------ quaternions
@case([0.1, 0.2, 0.3, 0.9, 1.0, -0.5, 2.0], 27, scale=0.2)
def qv_mult_insert(p):
    """lachie-aerialrobotics/delta_manipulator quaternion_functions.py: np.insert(v1, 3, 0.0)."""
    def qv_mult(q1, v1):
        q2 = np.insert(v1, 3, 0.0)
        return q_mult(q_mult(q1, q2), q_conjugate(q1))[0:3]

    def q_mult(q1, q2):
        x1, y1, z1, w1 = q1
        x2, y2, z2, w2 = q2
        x = w1 * x2 + x1 * w2 + y1 * z2 - z1 * y2
        y = w1 * y2 + y1 * w2 + z1 * x2 - x1 * z2
        z = w1 * z2 + z1 * w2 + x1 * y2 - y1 * x2
        w = w1 * w2 - x1 * x2 - y1 * y2 - z1 * z2
        return np.stack([x, y, z, w])   # was np.asarray

    def q_conjugate(q):
        x, y, z, w = q
        return np.stack([-x, -y, -z, w])   # was np.asarray
    q = p[:4] / np.linalg.norm(p[:4])
    return np.sum(qv_mult(q, p[4:]) * [1.0, 2.0, 3.0])


@case([0.9, 0.1, 0.2, 0.3, 1.0, -0.5, 2.0], 28, scale=0.2)
def rotate_vector_by_quaternion_cross(p):
    """A quaternion module: 2 dot(u, v) u + (s*s - dot(u, u)) v + 2 s cross(u, v)."""
    def quaternion_multiply(quaternion1, quaternion0):
        w0, x0, y0, z0 = quaternion0
        w1, x1, y1, z1 = quaternion1
        return np.stack([   # was np.array
            -x1 * x0 - y1 * y0 - z1 * z0 + w1 * w0,
            x1 * w0 + y1 * z0 - z1 * y0 + w1 * x0,
            -x1 * z0 + y1 * w0 + z1 * x0 + w1 * y0,
            x1 * y0 - y1 * x0 + z1 * w0 + w1 * z0
        ])

    def rotate_vector_by_quaternion(v, q):
        u = q[1:4]   # was np.array(q[1:4])
        s = q[0]
        return 2.0 * np.dot(u, v) * u  + (s*s - np.dot(u, u)) * v  + 2.0 * s * np.cross(u, v)
    q = p[:4] / np.linalg.norm(p[:4])
    r = rotate_vector_by_quaternion(p[4:], q)
    qq = quaternion_multiply(q, q)
    return np.sum(r * [1.0, -1.0, 0.5]) + np.sum(qq * [1.0, 2.0, 3.0, 4.0])


@case([0.9, 0.1, 0.2, 0.3, 1.0, -0.5, 2.0], 29, scale=0.2)
def quat_rotate_concatenate(p):
    """A quat_rotate port from MATLAB: v_quat = np.concatenate(([0], v)), q * v * qinv."""
    def quatmultiply(q, r):
        return np.stack([r[0]*q[0] - r[1]*q[1] - r[2]*q[2] - r[3]*q[3],   # was np.array
                         r[0]*q[1] + r[1]*q[0] - r[2]*q[3] + r[3]*q[2],
                         r[0]*q[2] + r[1]*q[3] + r[2]*q[0] - r[3]*q[1],
                         r[0]*q[3] - r[1]*q[2] + r[2]*q[1] + r[3]*q[0]])

    def quatinv(q):
        return np.stack([q[0], -q[1], -q[2], -q[3]]) / np.sum(q ** 2)   # was np.array

    def quat_rotate(q, v):
        qinv = quatinv(q)
        v_quat = np.concatenate(([0], v))
        r_quat = quatmultiply(quatmultiply(q, v_quat), qinv)
        return r_quat[1:]
    return np.sum(quat_rotate(p[:4], p[4:]) * [2.0, 1.0, -1.0])


# ------------------------------------------------------------ population dynamics
@case([0.2, 0.1, 10.0], 30, scale=0.1)
def sir_model_empty_arrays(p):
    """Free-Quarks/dataset_generation SIR: S = np.empty(t.shape) (empty_like here), S[0] = S0."""
    def SIR_model(beta, gamma, N, I0, R0, t):
        S0 = N - I0 - R0
        S = np.empty_like(t * beta)
        I = np.empty_like(t * beta)  # noqa: E741
        R = np.empty_like(t * beta)
        S[0] = S0
        I[0] = I0
        R[0] = R0
        dt = t[1]-t[0]
        for i in range(1, len(t)):
            dS = -beta * S[i-1] * I[i-1] / N
            dI = (beta * S[i-1] * I[i-1] / N) - gamma * I[i-1]
            dR = gamma * I[i-1]
            S[i] = S[i-1] + dt * dS
            I[i] = I[i-1] + dt * dI
            R[i] = R[i-1] + dt * dR
        return S, I, R
    t = np.linspace(0, 100, 60)
    S, I, R = SIR_model(p[0], p[1], 1000, p[2], 0, t)  # noqa: E741
    return S[-1] / 1000 + np.max(I) / 100 + np.mean(R) / 1000


@case([0.3, 0.1, 5.0], 31, scale=0.1)
def sir_solver_enumerate_continue(p):
    """Casey Middleton's SIR_solver: for ii, t in enumerate(tvals), if ii == 0: ...; continue."""
    def SIR_solver(S0,I0,R0,beta,gamma,tvals):
        dt = tvals[1] - tvals[0]
        N = S0 + I0 + R0
        S = np.zeros_like(tvals * beta); I = np.zeros_like(tvals * beta); R = np.zeros_like(tvals * beta);  # noqa: E501, E702, E703, E741
        for ii,t in enumerate(tvals):  # noqa: B007
            if ii == 0:
                S[0] = S0; I[0] = I0; R[0] = R0;  # noqa: E702, E703
                continue
            S[ii] = S[ii-1] - dt*beta*S[ii-1]*I[ii-1]/N
            I[ii] = I[ii-1] + dt*beta*S[ii-1]*I[ii-1]/N - dt*gamma*I[ii-1]
            R[ii] = R[ii-1] + dt*gamma*I[ii-1]
        return S,I,R
    S, I, R = SIR_solver(995.0, p[2], 0.0, p[0], p[1], np.linspace(0.0, 50.0, 40))  # noqa: E741
    return np.sum(I) / 1000 + R[-1] / 1000


@case([0.3, 0.15, 0.05, 0.3, 5.0, 3.0], 32, scale=0.1, no_hessian=KINK)
def lotka_volterra_max_zero(p):
    """janadahlmanns/attractor-animations lotka_volterra.py: R[i+1] = max(R[i] + dR, 0)."""
    def lotka_volterra(t_max=40, dt=0.1, alpha=0.3, beta=0.15, delta=0.05, gamma=0.3, R0=5, F0=3):
        steps = int(t_max / dt)
        t = np.linspace(0, t_max, steps)
        R = np.zeros_like(t * alpha)
        F = np.zeros_like(t * alpha)
        R[0] = R0
        F[0] = F0
        for i in range(steps - 1):
            dR = (alpha * R[i] - beta * R[i] * F[i]) * dt
            dF = (delta * R[i] * F[i] - gamma * F[i]) * dt
            R[i+1] = max(R[i] + dR, 0)
            F[i+1] = max(F[i] + dF, 0)
        return t, R, F
    t, R, F = lotka_volterra(10, 0.1, *p)
    return np.mean(R) + F[-1]


@case([0.5, 1.0, 0.1, 1.0, 1.0], 33, scale=0.1)
def predator_prey_state_lists(p):
    """exterm/uvm-mocs examples/predator_prey.py: state lists, result = result + [state]."""
    prey_growth, prey_limit, predator_decay, kill_rate, nourish_rate = p * [1, 200, 1, 0.01, 0.0015]

    def observe(result, state):
        return result + [state]

    def update(state):
        prey, predators = state
        killed = (1 - 1 / (kill_rate * predators + 1)) * prey
        predators_born = nourish_rate * predators * prey
        new_prey = prey + prey_growth * prey * (1 - prey / prey_limit) - killed
        new_predators = predators - predator_decay * predators + predators_born
        return [new_prey, new_predators]
    state = [100., 100.]
    result = [state]
    for t in range(30):  # noqa: B007
        state = update(state)
        result = observe(result, state)
    result = np.stack([np.stack(s) for s in result])   # was np.array(result)
    return np.mean(result[:, 0]) / 100 + result[-1, 1] / 100


@case([1.0, 0.1, 1.5, 0.75, 10.0, 5.0], 34, scale=0.1)
def lotka_volterra_class_update(p):
    """A LotkaVolterraTutorial port: class LVM, update X + dt * np.array([...]), a saver list."""
    class LVM:
        def __init__(self, a=1.0, b=0.1, c=1.5, d=0.75, dt=0.1):
            self.a = a
            self.b = b
            self.c = c
            self.d = d
            self.dt = dt

        def update(self, X):
            return X + self.dt * np.stack(   # was np.array
                [self.a * X[0] - self.b * X[0] * X[1],
                    -self.c * X[1] + self.d * self.b * X[0] * X[1]])

        def dynamics(self, X0, num_iter, saver):
            X = X0
            for _ in range(num_iter):
                X = self.update(X)
                saver.append(X)
            return X
    m = LVM(*p[:4], dt=0.05)
    saver = []
    X = m.dynamics(p[4:], 40, saver)
    return np.sum(X) + np.mean(np.stack(saver)[:, 1])   # was np.array


@case([0.4, 0.02, 0.8, 0.01, 0.1], 35, scale=0.1)
def predator_prey_euler_arrays(p):
    """Reklle/spbau integration/RNK.py: Y_arr, P_arr, t_arr filled by Euler's method."""
    a, b, c, d, e = p
    Dt = 0.05
    Y_start = 20
    P_start = 20
    t_start = 0
    t_end = 3
    n_steps = int(round((t_end-t_start)/Dt))
    Y_arr = np.zeros_like(np.zeros(n_steps + 1) * a)
    P_arr = np.zeros_like(np.zeros(n_steps + 1) * a)
    t_arr = np.zeros(n_steps + 1)
    t_arr[0] = t_start
    Y_arr[0] = Y_start
    P_arr[0] = P_start
    for i in range (1, n_steps + 1):  # noqa: E211
        Y = Y_arr[i-1]
        P = P_arr[i-1]
        t = t_arr[i-1]
        dYdt = -a*Y + b*P*Y
        dPdt = c*P - d*P*P-e*P*Y
        Y_arr[i] = Y + Dt*dYdt
        P_arr[i] = P + Dt*dPdt
        t_arr[i] = t + Dt
    return np.sum(Y_arr) / 100 + P_arr[-1]


# ------------------------------------------------------------ statistics and economics
X_EM = np.sort(np.vstack((np.array([[-0.3], [0.5], [0.1]]), np.array([[2.2], [1.7], [2.5]]))))


@case([0.1, 1.5], 36, scale=0.2)
def em_repeat_means(mu0):
    """xingnix/learning bayes/em.py: np.repeat of x and mu, Ez by keepdims sums (20 steps)."""
    x = X_EM
    n, k = 6, 2
    mu = mu0.reshape(1, 2)
    for i in range(20):  # noqa: B007
        p=np.exp(-(np.repeat(x,k,axis=1)-np.repeat(mu,n,axis=0))**2)
        Ez=p/np.repeat(np.sum(p,axis=1,keepdims=True),k,axis=1)
        mu=np.sum(Ez*np.repeat(x,k,axis=1),axis=0,keepdims=True)/np.sum(Ez,axis=0,keepdims=True)
    return np.sum(mu * [1.0, 2.0])


M0_U = np.array((10, 10))
M_U = np.array(((11, 11), (20, 5))).T
P_U = np.array((0.5, 0.5))


@case([0.4, 0.6], 37, scale=0.2)
def log_utility_portfolio(phi):
    """seandaddy/Economics logumax.py: U(phi) = -np.dot(P, np.log(np.dot(M, phi))), the budget."""
    def U(phi):
        c1 = np.dot(M_U, phi)
        return -np.dot(P_U, np.log(c1))
    w = 10
    return U(phi) + (np.dot(M0_U, phi) - w) ** 2


@case([500.0, 60000.0, -0.5], 38, scale=0.05)
def cobb_douglas_lagrangian(L):
    """An augmented Lagrange function: (160 x^0.66) y^0.33 + lambda (20 x + 0.15 y - 20000)."""
    def objective(X):
        x, y = X
        return (160*x**0.66)*(y**0.33)

    def eq(X):
        x, y = X
        return 20*x + 0.15*y - 20000.

    def F(L):
        x, y, _lambda = L
        return objective([x, y]) + _lambda * eq([x, y])
    return F(L)


# ------------------------------------------------------------ likelihoods (SciPy)
X_NRM = 10.0 + np.array([0.3, -1.2, 0.8, 0.1, -0.4, 1.5, -0.7, 0.2])


@case([10.0, 1.3], 39, scale=0.1)
def logvero_normal_builtin_sum(theta):
    """emhashimoto/python-getting-started python_emv2.py: sum((x - mu)**2), logs of n/2 and s2."""
    def logvero(theta,x):
        n = len(x)
        mu = theta[0]
        s2 = theta[1]
        soma = sum((x-mu)**2)
        lv = -((n/2)*math.log(2*math.pi))-((n/2)*np.log(s2))-(soma/(2*s2))   # was math.log(s2)
        return -lv
    return logvero(theta, X_NRM)


X_REG = np.linspace(0, 10, 12)
Y_REG = 5 + 2.4 * X_REG + np.array([0.5, -1.0, 0.3, 2.0, -0.4, 0.8, -1.5, 0.1, 0.9, -0.2, 0.4,
                                    -0.6])


@case([4.0, 2.0, 1.5], 40, scale=0.1)
def regress_ll_norm_logpdf(params):
    """SOUMAJYOTI/Motif-influence-diffusion utilities/test.py: -sum(norm.logpdf(yObs, ...))."""
    x, yObs = X_REG, Y_REG

    def regressLL(params):
        b0 = params[0]
        b1 = params[1]
        sd = params[2]
        yPred = b0 + b1*x
        logLik = -np.sum( stats.norm.logpdf(yObs, loc=yPred, scale=sd) )  # noqa: E201, E202
        return(logLik)  # noqa: UP034
    return regressLL(params)


T_GAM = np.array([1.2, 0.4, 2.5, 0.9, 1.7, 3.1, 0.6, 1.1])


@case([2.0, 1.5], 41, scale=0.1)
def log_like_gamma_guard(params):
    """A bebi103-style gamma MLE: if alpha <= 0 or beta <= 0: return -np.inf, logpdf(...).sum()."""
    def log_like_gamma(params, t):
        alpha, beta = params
        if alpha <= 0 or beta <= 0:
            return -np.inf
        return stats.gamma.logpdf(t, alpha, loc=0, scale=1/beta).sum()
    return log_like_gamma(params, T_GAM)


X_BLR = np.array([[1.0, 0.3], [1.0, -0.8], [1.0, 1.4], [1.0, 0.1], [1.0, -0.5]])
Y_BLR = np.array([0.9, -0.4, 2.1, 0.6, 0.2])


@case([0.5, 4.0], 42, scale=0.1)
def bayes_lin_reg_online(p):
    """MaxHalford's BayesLinReg: learn by np.outer and np.linalg.inv, predict by stats.norm."""
    class BayesLinReg:
        def __init__(self, n_features, alpha, beta):
            self.n_features = n_features
            self.alpha = alpha
            self.beta = beta
            self.mean = np.zeros(n_features)
            self.cov_inv = np.identity(n_features) / alpha

        def learn(self, x, y):
            cov_inv = self.cov_inv + self.beta * np.outer(x, x)
            cov = np.linalg.inv(cov_inv)
            mean = cov @ (self.cov_inv @ self.mean + self.beta * y * x)
            self.cov_inv = cov_inv
            self.mean = mean
            return self

        def predict(self, x):
            y_pred_mean = x @ self.mean
            w_cov = np.linalg.inv(self.cov_inv)
            y_pred_var = 1 / self.beta + x @ w_cov @ x.T
            return stats.norm(loc=y_pred_mean, scale=y_pred_var ** .5)
    model = BayesLinReg(2, p[0], p[1])
    total = 0.0
    for xi, yi in zip(X_BLR, Y_BLR):
        total = total + model.predict(xi).logpdf(yi)
        model = model.learn(xi, yi)
    return -total


# ------------------------------------------------------------ embeddings and convolutions
U_W2V = np.array([[0.3, 0.2, 0.1], [-0.2, -0.1, 0.0], [-0.1, 0.0, 0.1]])


@case([0.1, 0.2, 0.3], 43, scale=0.3)
def word2vec_manual_sgd(v_c):
    """namnguyen-311/word2vec-skipgram-sgd word2vec_manual.py: one negative-sampling SGD step."""
    def sigmoid(x):
        return 1 / (1 + np.exp(-x))
    u_o, u_k1, u_k2 = U_W2V
    alpha = 0.05
    dot_pos = np.dot(v_c, u_o)
    dot_neg1 = np.dot(v_c, u_k1)
    dot_neg2 = np.dot(v_c, u_k2)
    score_pos = sigmoid(dot_pos)
    score_neg1 = sigmoid(-dot_neg1)
    score_neg2 = sigmoid(-dot_neg2)
    loss = -np.log(score_pos) - np.log(score_neg1) - np.log(score_neg2)
    grad_vc = (sigmoid(dot_pos) - 1) * u_o + sigmoid(dot_neg1) * u_k1 + sigmoid(dot_neg2) * u_k2
    v_c_updated = v_c - alpha * grad_vc
    return loss + np.sum(v_c_updated ** 2)


X_CONV = np.array([1, 3, 2, 4, 5, 6, 1, 3])


@case([1.0, 0.0, 3.0, 1.0, 2.0], 44, scale=0.2)
def conv1d_padded_loop(w):
    """JPL-JUNO/Machine-Learning MLPS Ch14 blocks_CNN.py: conv1d(x, w, p, s) against np.convolve."""
    def conv1d(x, w, p: int = 0, s: int = 1):
        w_rot = w[::-1]                  # was np.array(w[::-1])
        x_padded = np.array(x)
        if p > 0:
            zero_pad = np.zeros(shape=p)
            x_padded = np.concatenate([zero_pad, x_padded, zero_pad])
        res = []
        for i in range(0, int((len(x_padded) - len(w_rot))) + 1, s):  # noqa: UP034
            res.append(np.sum(x_padded[i:i + w_rot.shape[0]] * w_rot))
        return np.stack(res)             # was np.array(res)
    mine = conv1d(X_CONV, w, p=2, s=1)
    return np.sum(mine ** 2) + np.sum(mine * np.convolve(X_CONV, w, mode='same'))


@case(RS.randn(8), 45, scale=0.2)
def conv_1d_single_step_bias(p):
    """A conv_1D_forward exercise: s = np.multiply(a_slice_prev, W), Z + b.astype(float)."""
    def conv_1D_single_step(a_slice_prev, W, b):
        s = np.multiply(a_slice_prev,W)
        Z = np.sum(s)
        Z = Z + b.astype(float)
        return Z
    A_prev, W, b = p[:6], p[6:8], np.array([[[0.5]]])
    Z = [conv_1D_single_step(A_prev[i:i + 2], W, b) for i in range(5)]
    return np.sum(np.tanh(np.concatenate([z.ravel() for z in Z])))


# ------------------------------------------------------------ kernel density estimates
DATA_KDE = np.array([1.33, 0.3, 0.97, 1.1, 0.1, 1.4, 0.4])


@case([0.3, 0.1, 0.03], 46, scale=0.1)
def kde_bandwidth_loops(H):
    """npknhi/RNA_project KDE.py: for h in H, total_sum += K((x_range - xi) / h) (plots dropped)."""
    def K(x):
        return np.exp(-x**2/2)/np.sqrt(2*np.pi)
    dataset = DATA_KDE
    x_range = np.linspace(dataset.min()-0.3, dataset.max()+0.3, num=60)
    n_samples = dataset.size
    out = 0.0
    for h in H:
        total_sum = 0
        for i, xi in enumerate(dataset):  # noqa: B007
            total_sum += K((x_range - xi) / h)
        y_range = total_sum/(h*n_samples)
        out = out + np.max(y_range) + y_range[17]
    return out


@case([-0.5, 0.2, 0.7, 1.1, 0.35], 47, scale=0.2)
def gaussian_kernel_density_nested(X):
    """A numba KDE (njit, prange dropped): kernel += np.exp(...), density[i] = ... (zeros_like)."""
    def gaussian_kernel_density(Y, X, bandwidth):
        density = np.zeros_like(X)
        for i in range(X.shape[0]):
            kernel = 0
            for j in range(Y.shape[0]):
                kernel += np.exp(-(((X[i] - Y[j])/(bandwidth*2)) ** 2))
            density[i] = kernel / (np.sqrt(2*np.pi)*X.shape[0]*bandwidth)
        return density
    return np.sum(np.log(gaussian_kernel_density(DATA_KDE, X, 0.3)))


@case([0.4, 0.9, 0.35], 48, scale=0.2)
def kde_class_bandwidth_power(p):
    """A KernelDensityEstimation class: denominator n * bandwidth ** x.shape[0], a sum over data."""
    def gaussian_kernel_kde(u):
        return np.exp(-0.5 * np.sum(u ** 2)) / (2 * np.pi) ** (len(u) / 2)

    class KernelDensityEstimation:
        def __init__(self, kernel):
            if kernel == 'gaussian':
                self.kernel = gaussian_kernel_kde

        def do(self, x, data, bandwidth):
            denominator = data.shape[0] * (bandwidth ** x.shape[0])
            numerator = 0
            for x_i in data:
                numerator += self.kernel((x - x_i) / bandwidth)
            return numerator / denominator
    data = DATA_KDE[:6].reshape(3, 2)
    return np.log(KernelDensityEstimation('gaussian').do(p[:2], data, p[2]))


# ------------------------------------------------------------ total variation
IM_TV = np.array([[0.0, 0.1, 0.9, 1.0], [0.1, 0.2, 0.8, 0.9], [0.0, 0.3, 1.0, 1.1],
                  [0.2, 0.1, 0.7, 1.0]])


@case(IM_TV.ravel() + 0.05, 49, scale=0.2, rtol=1e-5, no_hessian=LOOP)
def rof_denoise_while_error(u0):
    """natsutan/computervision PCV/chap1/denoise.py: Chambolle's ROF, while error > tolerance."""
    from numpy import linalg, maximum, roll, sqrt

    def denoise(im,U_init,tolerance=0.1,tau=0.125,tv_weight=100):
        m,n = im.shape
        U = U_init
        Px = im
        Py = im
        error = 1
        while (error > tolerance):
            Uold = U
            GradUx = roll(U,-1,axis=1)-U
            GradUy = roll(U,-1,axis=0)-U
            PxNew = Px + (tau/tv_weight)*GradUx
            PyNew = Py + (tau/tv_weight)*GradUy
            NormNew = maximum(1,sqrt(PxNew**2+PyNew**2))
            Px = PxNew/NormNew
            Py = PyNew/NormNew
            RxPx = roll(Px,1,axis=1)
            RyPy = roll(Py,1,axis=0)
            DivP = (Px-RxPx)+(Py-RyPy)
            U = im + tv_weight*DivP
            error = linalg.norm(U-Uold)/sqrt(n*m);  # noqa: E703
        return U,im-U
    U, T = denoise(IM_TV, u0.reshape(4, 4), tolerance=0.05, tv_weight=0.2)
    return np.sum(U * IM_TV) + np.sum(T ** 2)


@case(IM_TV.ravel(), 50, scale=0.2, rtol=1e-5, no_hessian=LOOP)
def blue_denoise_err_prev_typo(img):
    """bvirxx/bLUe_PYSIDE denoising.py: while i < num_iter_max, a break on the error's change."""
    def denoise(img, weight=0.1, eps=1e-3, num_iter_max=200):
        u = np.zeros_like(img)
        px = np.zeros_like(img)
        py = np.zeros_like(img)
        nm = np.prod(img.shape[:2])
        tau = 0.125
        i = 0
        while i < num_iter_max:
            u_old = u
            ux = np.roll(u, -1, axis=1) - u
            uy = np.roll(u, -1, axis=0) - u
            px_new = px + (tau / weight) * ux
            py_new = py + (tau / weight) * uy
            norm_new = np.maximum(1, np.sqrt(px_new ** 2 + py_new ** 2))
            px = px_new / norm_new
            py = py_new / norm_new
            rx = np.roll(px, 1, axis=1)
            ry = np.roll(py, 1, axis=0)
            div_p = (px - rx) + (py - ry)
            u = img + weight * div_p
            error = np.linalg.norm(u - u_old) / np.sqrt(nm)
            if i == 0:
                err_init = error
                err_prev = error
            else:
                if np.abs(err_prev - error) < eps * err_init:
                    break
                else:
                    e_prev = error  # noqa: F841
            i += 1
        return u
    return np.sum(denoise(img.reshape(4, 4), weight=0.3, eps=0.05) * IM_TV)


@case(RS.rand(18), 51, scale=0.2)
def tv_norm_ellipsis_grad(p):
    """jcjohnson/cnn-vis tv_norm (via a TV denoiser): image[:-1, :-1, ...] diffs, grad[...] +=."""
    def tv_norm(image, eps=1e-8):
        x_diff = image[:-1, :-1, ...] - image[:-1, 1:, ...]
        y_diff = image[:-1, :-1, ...] - image[1:, :-1, ...]
        grad_mag = np.sqrt(x_diff**2 + y_diff**2 + eps)
        loss = np.sum(grad_mag)
        dx_diff = x_diff / grad_mag
        dy_diff = y_diff / grad_mag
        grad = np.zeros_like(image)
        grad[:-1, :-1, ...] = dx_diff + dy_diff
        grad[:-1, 1:, ...] -= dx_diff
        grad[1:, :-1, ...] -= dy_diff
        return loss, grad
    loss, grad = tv_norm(p.reshape(3, 3, 2))
    return loss + 0.1 * np.sum(grad * p.reshape(3, 3, 2))


@case(RS.randn(2 * 16), 52, scale=0.2)
def chambolle_div_magnitude(p):
    """A Chambolle projection module: div(arr) by out[0, -1, :, ...] = ..., magnitude by norm."""
    def div(arr):
        out = np.zeros_like(arr)
        out[0, -1, :, ...] = -1 * arr[0, -2, :, ...]
        out[0, 1:-1, :, ...] = arr[0, 1:-1, :, ...] - arr[0, :-2, :, ...]
        out[1, :, -1, ...] = -1 * arr[1, :, -2, ...]
        out[1, :, 1:-1, ...] = arr[1, :, 1:-1, ...] - arr[1, :, :-2, ...]
        return out.sum(axis=0)

    def magnitude(arr, axis=0, keepdims=False):
        return np.linalg.norm(arr, ord=2, axis=axis, keepdims=keepdims)
    arr = p.reshape(2, 4, 4)
    return np.sum(div(arr) * IM_TV) + np.sum(magnitude(arr, keepdims=True) * IM_TV)


@case(RS.randn(7), 53, scale=0.2, no_hessian=KINK)
def tv_1d_shift_hstack(us):
    """A public-domain 1-D TV denoiser: shift(xs, h) by np.hstack([xs[h:], [xs[-1]]]), np.sign."""
    def shift(xs, h):
        return np.hstack([xs[h:], [xs[-1]]] if h > 0 else [[xs[0]], xs[:h]])

    def sgd(xs):
        return np.sign(-xs)
    gs = us.ravel()                      # was np.array(us).ravel()
    d = shift(gs, 1) - gs
    e = gs - shift(gs, -1)
    return np.sum(np.abs(d)) + np.sum(sgd(d) * e) + np.sum(gs ** 2)


# ------------------------------------------------------------ counts and Markov chains (SciPy)
Y_NB = np.array([0.0, 3.0, 1.0, 7.0, 2.0, 0.0, 4.0, 1.0])


@case([1.5, 2.0, 2.5], 54, scale=0.1)
def negbin_likelihood_loggamma(p):
    """A negative binomial fit: loggamma, np.repeat of r over the data (math.log(r) as np.log)."""
    def negbin_likelihood(r, y_pred, y_true, data_length):
        likelihood =  np.sum(- loggamma(y_true + np.repeat(r, data_length)) + np.repeat(loggamma(r), data_length) + loggamma(y_true + np.repeat(1, data_length)) - np.repeat(r, data_length) * np.log(r) + r * np.log(y_pred + np.repeat(r, data_length)) - y_true * np.log(y_pred) + y_true * np.log(y_pred + np.repeat(r, data_length)) )  # noqa: E222, E202, E501
        return likelihood
    loggamma = special.loggamma
    y_pred = p[1] + p[2] * np.linspace(0.0, 1.0, 8)
    return negbin_likelihood(p[0], y_pred, Y_NB, 8)


K_NB = np.arange(12.0)


@case([3.0, 6.0], 55, scale=0.05)
def binomln_neg_binomial(p):
    """A helpers module: binomln by gammaln, neg_binomial(mu, sigma, k) normalized by l.max()."""
    gammaln = special.gammaln

    def binomln(x1, x2):
        return gammaln(x1+1) - gammaln(x2+1) - gammaln(x1-x2+1)

    def neg_binomial(mu, sigma, k):
        p = 1-(mu-1)/sigma
        r = (mu-1)**2/(sigma-mu+1)
        l = binomln(k+r-1, k) + k*np.log(p) + r*np.log(1-p)  # noqa: E741
        D = np.exp(l-l.max())
        return D/D.sum()
    D = neg_binomial(p[0], p[1], K_NB)
    return np.sum(D * K_NB) + np.sum(D ** 2)


@case([0.5, 0.4, 0.9, 0.3, 0.3, 1.2], 56, scale=0.1)
def transient_prob_expm(p):
    """A PEPA helper: transient_prob(Q, t, init_prob) = init_prob.dot(expm(Q * t))."""
    def transient_prob(Q,t,init_prob):
        prob = np.dot(init_prob, sla.expm(Q*t))     # was init_prob.dot(...)
        return prob
    R = np.zeros_like(np.outer(p[:3], p[:3]))
    R[0, 1], R[0, 2], R[1, 0], R[2, 0], R[2, 1] = p[0], p[1], p[2], p[3], p[4]
    Q = R - np.diag(R.sum(axis=1))
    prob = transient_prob(Q, p[5], np.array([1.0, 0.0, 0.0]))
    return np.sum(prob * [1.0, 2.0, 3.0])


# ------------------------------------------------------------ two-layer networks
X_NN = np.array([[0.5, -1.0, 0.3], [1.2, 0.4, -0.7], [-0.3, 0.8, 1.1], [0.9, -0.2, 0.0]])
Y_NN = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, -0.5], [1.5, 0.2]])


@case(0.5 * RS.randn(3 * 4 + 4 * 2), 57, scale=0.1, no_hessian=KINK)
def two_layer_manual_backprop(p):
    """XuLongjia/PythonForML: h_relu = np.maximum(h, 0), grad_h[h < 0] = 0, w1 -= lr * grad_w1."""
    x, y = X_NN, Y_NN
    w1 = p[:12].reshape(3, 4).copy()
    w2 = p[12:].reshape(4, 2).copy()
    learning_rate = 1e-2
    for it in range(5):  # noqa: B007
        h = x @ w1                      # was x.dot(w1): x is NumPy's
        h_relu = np.maximum(h,0)
        y_pred = h_relu.dot(w2)
        loss = np.square(y_pred-y).sum()
        grad_w_pred = 2.0 * (y_pred-y)
        grad_w2 = h_relu.T.dot(grad_w_pred)
        grad_h_relu = grad_w_pred.dot(w2.T)
        grad_h = grad_h_relu.copy()
        grad_h[h<0] = 0
        grad_w1 = x.T @ grad_h          # was x.T.dot(grad_h)
        w1 -= learning_rate * grad_w1
        w2 -= learning_rate * grad_w2
    return loss


T_NN = np.array([0, 1, 1, 0])


@case(0.5 * RS.randn(3 * 4 + 4 + 4 * 2 + 2), 58, scale=0.1, no_hessian=KINK)
def forward_relu_mask_softmax(p):
    """lazyprogrammer's MLP forward: Z = X.dot(W1) + b1, Z[Z < 0] = 0, softmax by keepdims."""
    def forward(X, W1, b1, W2, b2):
        Z = X @ W1 + b1             # was X.dot(W1): X is NumPy's
        Z[Z < 0] = 0
        A = Z.dot(W2) + b2
        expA = np.exp(A)
        Y = expA / expA.sum(axis=1, keepdims=True)
        return Y, Z

    def cost(T, Y):
        tot = T * np.log(Y)
        return tot.sum()
    W1, b1 = p[:12].reshape(3, 4), p[12:16]
    W2, b2 = p[16:24].reshape(4, 2), p[24:]
    Y, Z = forward(X_NN, W1, b1, W2, b2)
    return -cost(np.eye(2)[T_NN], Y) + 0.01 * np.sum(Z ** 2)


@case(0.5 * RS.randn(3 * 4 + 4 + 4 * 2 + 2), 59, scale=0.1)
def forward_sigmoid_classification(p):
    """krnfrmh/Artificial_Neural_Network backward_prop.py: a sigmoid layer, np.exp(-1 * logit)."""
    def forward(X, W1, b1, W2, b2):
        logit = X @ W1 + b1         # was X.dot(W1)
        Z = 1 / (1 + np.exp(-1 * logit))
        A = Z.dot(W2) + b2
        expA = np.exp(A)
        Y = expA / expA.sum(axis=1, keepdims=True)
        return Y, Z
    W1, b1 = p[:12].reshape(3, 4), p[12:16]
    W2, b2 = p[16:24].reshape(4, 2), p[24:]
    Y, Z = forward(X_NN, W1, b1, W2, b2)
    return -np.sum(np.eye(2)[T_NN] * np.log(Y)) + np.sum(Z[:, 0])


# ------------------------------------------------------------ pairwise distances
Y_PTS = np.array([[0.0, 1.0], [2.0, -1.0], [1.5, 0.5]])


@case(RS.randn(8), 60, scale=0.2)
def euclidean_broadcast_newaxis_einsum(p):
    """dseconf/DSE2023 euclidean_broadcast: x[:, np.newaxis, :] - y[np.newaxis, :, :], einsum."""
    def euclidean_broadcast(x, y):
        diff = x[:, np.newaxis, :] - y[np.newaxis, :, :]
        return (diff * diff).sum(axis=2)

    def euclidean_einsum(x, y):
        diff = x[:, np.newaxis, :] - y[np.newaxis, :, :]
        return np.einsum('ijk,ijk->ij', diff, diff)
    x = p.reshape(4, 2)
    return np.sum(np.exp(-euclidean_broadcast(x, Y_PTS))) + np.sum(euclidean_einsum(x, x) ** 0.75
                                                                   * np.eye(4)[::-1])


@case(RS.randn(8), 61, scale=0.2)
def euclidean_distance_square_dot(p):
    """serge-sans-paille/numpy-benchmarks: -2 * np.dot(x1, x2.T) + sums[:, np.newaxis] + sums."""
    def euclidean_distance_square(x1, x2):
        return -2*np.dot(x1, x2.T) + np.sum(np.square(x1), axis=1)[:, np.newaxis] + np.sum(np.square(x2), axis=1)  # noqa: E501
    return np.sum(np.exp(-euclidean_distance_square(p.reshape(4, 2), Y_PTS)))


@case(RS.randn(8), 62, scale=0.2)
def tsne_pairwise_dist_add(p):
    """yuyuyu258963/Go-tsne tsne.py: np.add(np.add(-2 * np.dot(x, x.T), sum_x).T, sum_x)."""
    def cal_pairwise_dist(x):
        sum_x = np.sum(np.square(x), 1)
        dist = np.add(np.add(-2 * np.dot(x, x.T), sum_x).T, sum_x)
        return dist
    D = cal_pairwise_dist(p.reshape(4, 2))
    P = np.exp(-D)
    np.fill_diagonal(P, 0.0)
    return np.log(np.sum(P)) + np.sum(D * np.arange(16.0).reshape(4, 4))


@case(RS.randn(8), 63, scale=0.2)
def pairwise_distance_triple_loop(p):
    """IntelPython dpbench pairwise_distance: D[i, j] = np.sqrt(d) over three loops (zeros_like)."""
    def pairwise_distance(X1, X2, D):
        M = X1.shape[0]
        N = X2.shape[0]
        O = X1.shape[1]  # noqa: E741
        for i in range(M):
            for j in range(N):
                d = 0.0
                for k in range(O):
                    tmp = X1[i, k] - X2[j, k]
                    d += tmp * tmp
                D[i, j] = np.sqrt(d)
    X1 = p.reshape(4, 2)
    D = np.zeros_like(X1 @ Y_PTS.T)
    pairwise_distance(X1, Y_PTS, D)
    return np.sum(D * np.arange(12.0).reshape(4, 3))


# ------------------------------------------------------------ linear-quadratic control
A_LQ = np.array([[1.0, 0.1], [0.0, 1.0]])
B_LQ = np.array([[0.0], [0.1]])


@case([1.0, 1.0, 0.01], 64, scale=0.2, rtol=1e-5, no_hessian=LOOP)
def solve_discrete_lqr_fro_break(p):
    """A control module's solve_discrete_lqr: Riccati to norm(P_next - P, ord="fro") < tol."""
    def solve_discrete_lqr(A, B, Q, R, max_iters: int = 500, tol: float = 1e-8):
        P = Q.copy()
        for _ in range(max_iters):
            BT_P = B.T @ P
            G = R + BT_P @ B
            K = np.linalg.solve(G, BT_P @ A)
            P_next = A.T @ P @ A - A.T @ P @ B @ K + Q
            if np.linalg.norm(P_next - P, ord="fro") < tol:
                P = P_next
                break
            P = P_next
        return K
    K = solve_discrete_lqr(A_LQ, B_LQ, np.diag(p[:2]), p[2:].reshape(1, 1))
    return np.sum(K * [[1.0, 2.0]])


@case([1.0, -0.5, 2.0, 1.5], 65, scale=0.2)
def simulate_rollout_noise_free(p):
    """A simulate_rollout(A, B, K, horizon, x0, ...): xs[0] = x0, u = -K @ xs[t] (noise 0)."""
    def simulate_rollout(A, B, K, horizon, x0):
        n, m = A.shape[0], B.shape[1]  # noqa: F841
        xs = np.zeros_like(np.outer(np.ones(horizon + 1), x0))
        us = np.zeros_like(np.outer(np.ones(horizon), K[:, 0]))
        xs[0] = x0
        for t in range(horizon):
            u = -K @ xs[t]
            us[t] = u
            xs[t + 1] = A @ xs[t] + B @ u
        return xs, us
    xs, us = simulate_rollout(A_LQ, B_LQ, p[2:].reshape(1, 2), 25, p[:2])
    return np.sum(xs ** 2) + 0.1 * np.sum(us ** 2)


# ------------------------------------------------------------ more Gauss-Seidel
A_GS4 = np.array([[5.0, 1.0, 1.0], [-2.0, 4.0, 0.0], [0.0, 2.0, 4.0]])


@case([6.0, -22.0, -4.0], 66, scale=0.1)
def gauss_seidel_copy_zero_matmul(b):
    """A Gauss-Seidel gist: x_new = np.empty(x.shape) (empty_like), t = x.copy(); t[i] = 0."""
    def gauss_seidel(a, b, x, iter = 0):  # noqa: A002, E251
        for _ in range(iter):
            x_new = np.empty_like(x)
            for i in range(x.shape[0]):
                t = x.copy()
                t[i] = 0
                ax = a[i]@t
                x_new[i] = (b[i] - ax) / a[i,i]
            x = x_new
        return x
    return np.sum(gauss_seidel(A_GS4, b, np.zeros_like(b), 10) * [1.0, 0.5, -2.0])


@case([7.0, 9.0], 67, scale=0.2)
def gauss_seidel_two_scalars(b):
    """A Gauss-Seidel lecture script: x = (b[0] - A[0, 1] * y) / A[0, 0], then y, ni times."""
    x = 0.0
    y = 0.0
    ni = 8
    A = np.array([ [3.0, 2.0],  # noqa: E201
                   [1.0, 4.0] ])  # noqa: E202
    for i in range(ni):  # noqa: B007
        x = (b[0] - A[0,1]*y)/A[0,0]
        y = (b[1] - A[1,0]*x)/A[1,1]
    return x * y + x
