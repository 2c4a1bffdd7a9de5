"""Array programs, part seventeen: plain Python around NumPy, in domains not met before.

The second half of part sixteen's batch: code whose shape is Python's more
than NumPy's. Parameters in dicts of lists and dataclass-like dicts, loops
over ``sorted(d.items(), key=...)``, ``enumerate`` and ``zip``, list
comprehensions, ``math`` functions on constants beside NumPy on traced
numbers, ``while`` to a tolerance with ``break``, early ``return``, ``try``/
``except ZeroDivisionError`` and ``except ValueError`` around traced
arithmetic, and ``if`` on traced values. Epidemics (SEIR with a parameter
dict, an age-structured contact matrix), pharmacology (two compartments, an
Emax dose response), ecology and climate (a harvested fishery, a zero-
dimensional energy balance, a linear reservoir cascade), operations (EOQ with
quantity breaks, a newsboy by a sorted demand table, M/M/1 costs), ratings
(Glicko, HITS), reinforcement learning (TD(lambda), a softmax bandit's
policy gradient, tabular value iteration to a tolerance), vision and graphics
(Brown lens distortion, de Casteljau Bezier curves, Phong shading), surveys
(raking by iterative proportional fitting), orbital mechanics (Hohmann
transfers), circuits (nodal analysis by ``np.linalg.solve``), traffic (LWR
with a Godunov flux), statistics (Huber IRLS in a ``while``, Theil-Sen by
sorted slopes, Nadaraya-Watson), text (naive Bayes on word counts in dicts,
a smoothed unigram model), grading and scheduling code (curved grades,
weighted shortest job first), finance in plain Python (an IRR by bisection
polished by Newton, a bond from a dict of dated coupons), physics (a double
pendulum, rocket staging from a list of stage dicts, an Otto cycle with an
``assert``, a heat exchanger with ``try``/``except ZeroDivisionError``),
learning (Adam with its state in a dict, a soft k-NN vote, k-fold ridge by
list slicing, polynomial features), signals in loops (Goertzel, an RBJ
biquad), a Kasa circle fit by ``scipy.linalg.lstsq``, ABO allele EM, the
Pythagorean expectation, differential-drive odometry, and an SIR fit by
``odeint``.
"""

from __future__ import annotations

import math

import numpy as np
from program_cases import Case, registrar

import tapegrad.scipy.linalg as sla
import tapegrad.scipy.special as special
import tapegrad.scipy.stats as stats
from tapegrad.scipy.integrate import odeint

PROGRAMS: dict[str, Case] = {}
case = registrar(PROGRAMS)

RS = np.random.RandomState(17)
KINK = "piecewise: the Hessian's differences straddle a kink"
LOOP = "a loop to a tolerance: the Hessian's differences change its trip count"
RAKING_RETRACE = ("the first input leaves `for it in range(500):` by its `if ...: break` in the "
                  "first iteration: that trace shows no loop, and the second input traces again "
                  "(2 traces over 3 inputs; traced first at 13 trips, one trace serves all three)")


# ------------------------------------------------------------ epidemics, pharmacology
@case([0.5, 0.2, 0.1, 0.01], 1, scale=0.1, traces=3)
def seir_parameter_dict_euler(p):
    """SEIR by Euler, rates in a dict, compartments in a dict updated by a comprehension."""
    params = {"beta": p[0], "sigma": p[1], "gamma": p[2]}
    state = {"S": 1.0 - p[3], "E": 0.0 * p[3], "I": p[3], "R": 0.0 * p[3]}
    dt, peak = 0.5, 0.0
    for _ in range(80):
        flows = {"infect": params["beta"] * state["S"] * state["I"],
                 "onset": params["sigma"] * state["E"],
                 "recover": params["gamma"] * state["I"]}
        change = {"S": -flows["infect"], "E": flows["infect"] - flows["onset"],
                  "I": flows["onset"] - flows["recover"], "R": flows["recover"]}
        state = {k: v + dt * change[k] for k, v in state.items()}
        peak = max(peak, state["I"])
    return state["R"] + peak


CONTACTS_AGE = np.array([[8.0, 3.0, 1.0], [3.0, 10.0, 2.0], [1.0, 2.0, 4.0]])
POP_AGE = np.array([0.25, 0.55, 0.2])


@case([0.03, 0.04, 0.05, 0.2], 2, scale=0.1)
def age_structured_sir_next_generation(p):
    """Age-structured SIR: R0 as the next-generation matrix's spectral radius, then 60 days."""
    susceptibility, gamma = p[:3], p[3]
    K = susceptibility[:, None] * CONTACTS_AGE * POP_AGE[None, :] / gamma
    R0 = np.max(np.abs(np.linalg.eigvals(K)))
    S, I = POP_AGE * 0.99, POP_AGE * 0.01  # noqa: E741
    for _ in range(60):
        force = susceptibility * (CONTACTS_AGE @ I)
        S, I = S - force * S, I + force * S - gamma * I  # noqa: E741
    return R0 + np.sum(S)


@case([1.0, 0.3, 0.2, 5.0], 3, scale=0.1)
def two_compartment_pk_trapezoid_auc(p):
    """Two-compartment IV bolus by analytic exponentials, AUC by the trapezoid loop, Cmax."""
    k10, k12, k21, V = p
    dose = 100.0
    a = k10 + k12 + k21
    alpha = 0.5 * (a + np.sqrt(a * a - 4 * k10 * k21))
    beta = 0.5 * (a - np.sqrt(a * a - 4 * k10 * k21))
    A = dose / V * (alpha - k21) / (alpha - beta)
    B = dose / V * (k21 - beta) / (alpha - beta)
    times = [0.0, 0.5, 1, 2, 4, 6, 8, 12, 24]
    conc = [A * np.exp(-alpha * t) + B * np.exp(-beta * t) for t in times]
    auc = 0.0
    for (t0, c0), (t1, c1) in zip(zip(times, conc), zip(times[1:], conc[1:])):
        auc += 0.5 * (c0 + c1) * (t1 - t0)
    return auc + max(conc)


DOSES_EMAX = [0.0, 1.0, 3.0, 10.0, 30.0, 100.0]
RESP_EMAX = [2.1, 12.0, 28.5, 55.0, 71.0, 79.5]


@case([2.0, 80.0, 8.0, 1.2], 4, scale=0.1)
def emax_hill_least_squares(p):
    """A sigmoid Emax model fit by squared error over zip(doses, responses)."""
    e0, emax, ed50, hill = p
    sse = 0.0
    for d, r in zip(DOSES_EMAX, RESP_EMAX):
        pred = e0 + emax * d ** hill / (ed50 ** hill + d ** hill)
        sse += (pred - r) ** 2
    return sse / len(DOSES_EMAX)


# ------------------------------------------------------------ ecology, climate, hydrology
@case([0.6, 1.0, 0.3, 0.5], 5, scale=0.1, no_hessian=KINK)
def fishery_harvest_quota_clamp(p):
    """Logistic stock with a harvest rule: quota below a threshold stock is zero (if/else)."""
    r, K, rate, threshold = p
    stock, catch = 0.8 * K, 0.0
    for year in range(25):
        if stock > threshold:
            harvest = rate * (stock - threshold)
        else:
            harvest = 0.0
        catch = catch + harvest / (1.03 ** year)
        stock = stock + r * stock * (1 - stock / K) - harvest
    return -catch


@case([0.3, 1.0, 0.6], 6, scale=0.1)
def energy_balance_model_newton(p):
    """A zero-dimensional energy balance, equilibrium temperature by Newton with a tolerance."""
    albedo, co2_forcing, emissivity = p
    S0, sigma = 1361.0, 5.67e-8
    T = 288.0
    for _ in range(50):
        f = S0 / 4 * (1 - albedo) + co2_forcing - emissivity * sigma * T ** 4
        df = -4 * emissivity * sigma * T ** 3
        step = f / df
        T = T - step
        if abs(step) < 1e-10:
            break
    return T


RAIN = [0.0, 5.0, 12.0, 3.0, 0.0, 0.0, 8.0, 1.0, 0.0, 0.0, 0.0, 0.0]


@case([0.3, 0.5, 0.4], 7, scale=0.1)
def linear_reservoir_cascade(k):
    """Nash cascade of three linear reservoirs, storages in a list updated one by one."""
    storages = [0.0 * k[0]] * 3
    outflows = []
    for rain in RAIN:
        inflow = rain
        for i, ki in enumerate(k):
            storages[i] = storages[i] + inflow
            out = ki * storages[i]
            storages[i] = storages[i] - out
            inflow = out
        outflows.append(inflow)
    return sum(q * (t + 1) for t, q in enumerate(outflows)) / sum(outflows)


# ------------------------------------------------------------ operations research
BREAKS_EOQ = {0: 5.0, 100: 4.8, 500: 4.5}


@case([1200.0, 50.0, 0.2], 8, scale=0.1, no_hessian=KINK)
def eoq_quantity_discount_breaks(p):
    """EOQ with quantity discounts: for each price break, clamp Q up to the break, keep the best."""
    demand, order_cost, holding_rate = p
    best_cost, best_q = None, None
    for minimum, price in sorted(BREAKS_EOQ.items(), key=lambda kv: kv[1]):
        q = np.sqrt(2 * demand * order_cost / (holding_rate * price))
        if q < minimum:
            q = minimum + 0.0 * q
        cost = demand * price + demand / q * order_cost + q / 2 * holding_rate * price
        if best_cost is None or cost < best_cost:
            best_cost, best_q = cost, q
    return best_cost + 0.01 * best_q


DEMAND_NB = {"low": (80.0, 0.3), "mid": (120.0, 0.5), "high": (170.0, 0.2)}


@case([110.0, 10.0, 4.0], 9, scale=0.1, no_hessian=KINK)
def newsvendor_scenario_table(p):
    """Expected newsboy profit over a dict of demand scenarios (level: (demand, prob))."""
    q, price, cost = p
    salvage = 1.0
    profit = 0.0
    for name, (demand, prob) in sorted(DEMAND_NB.items(), key=lambda kv: kv[1][0]):  # noqa: B007
        sold = min(q, demand)
        leftover = q - sold
        profit += prob * (price * sold + salvage * leftover - cost * q)
    return -profit


@case([2.0, 3.0, 5.0, 1.0], 10, scale=0.1)
def mm1_staffing_cost(p):
    """M/M/1 waiting plus service cost; a ValueError when unstable, caught as a penalty."""
    lam, mu, wait_cost, serve_cost = p

    def mean_in_system(lam, mu):
        rho = lam / mu
        if rho >= 1:
            raise ValueError("unstable queue")
        return rho / (1 - rho)
    try:
        L = mean_in_system(lam, mu)
    except ValueError:
        return 1e6 + 0.0 * lam
    return wait_cost * L + serve_cost * mu


JOBS_WSJF = [("deploy", 3.0), ("refactor", 8.0), ("bugfix", 1.0), ("docs", 2.0)]


@case([5.0, 7.0, 6.0, 2.6], 11, scale=0.05, no_hessian=KINK)
def weighted_completion_sorted_by_ratio(w):
    """Weighted completion time with jobs scheduled by Smith's rule (sorted on weight/length)."""
    jobs = [(name, length, weight) for (name, length), weight in zip(JOBS_WSJF, w)]
    order = sorted(jobs, key=lambda job: job[2] / job[1], reverse=True)
    t, total = 0.0, 0.0
    for name, length, weight in order:  # noqa: B007
        t += length
        total = total + weight * t
    return total


# ------------------------------------------------------------ ratings
GAMES_GLICKO = [(1400.0, 30.0, 1.0), (1550.0, 100.0, 0.0), (1700.0, 300.0, 0.0)]


@case([1500.0, 200.0], 12, scale=0.05)
def glicko_rating_period(p):
    """Glicko-1 update of one player over a rating period; q = ln 10 / 400 via math.log."""
    r, RD = p
    q = math.log(10) / 400
    d2_inv, delta_sum = 0.0, 0.0
    for rj, RDj, s in GAMES_GLICKO:
        g = 1 / math.sqrt(1 + 3 * q ** 2 * RDj ** 2 / math.pi ** 2)
        E = 1 / (1 + 10 ** (-g * (r - rj) / 400))
        d2_inv = d2_inv + q ** 2 * g ** 2 * E * (1 - E)
        delta_sum = delta_sum + g * (s - E)
    denom = 1 / RD ** 2 + d2_inv
    r_new = r + q / denom * delta_sum
    RD_new = np.sqrt(1 / denom)
    return (r_new - 1464) ** 2 / 100 + RD_new


LINKS_HITS = {"a": ["b", "c"], "b": ["c"], "c": ["a"], "d": ["c", "a"]}


@case([1.0, 1.0, 1.0, 1.0], 13, scale=0.2, rtol=1e-5, no_hessian=LOOP, traces=3)
def hits_hubs_authorities_dict(h0):
    """Kleinberg's HITS on an adjacency dict, normalized each sweep, until hubs stop changing."""
    pages = sorted(LINKS_HITS)
    hub = dict(zip(pages, h0))
    for _ in range(100):
        auth = {p: sum(hub[q] for q in pages if p in LINKS_HITS[q]) for p in pages}
        norm = math.sqrt(1.0) * np.sqrt(sum(v * v for v in auth.values()))
        auth = {p: v / norm for p, v in auth.items()}
        new_hub = {p: sum(auth[t] for t in LINKS_HITS[p]) for p in pages}
        norm = np.sqrt(sum(v * v for v in new_hub.values()))
        new_hub = {p: v / norm for p, v in new_hub.items()}
        change = max(abs(new_hub[p] - hub[p]) for p in pages)
        hub = new_hub
        if change < 1e-9:
            break
    return auth["c"] + 2 * hub["d"] + sum(h0) * 0.01


# ------------------------------------------------------------ reinforcement learning
EPISODE_TD = [(0, 1.0), (1, 0.0), (2, 0.5), (1, -0.2), (3, 1.0), (0, 0.0), (2, 0.3)]


@case([0.0, 0.1, 0.2, 0.3, 0.9], 14, scale=0.2)
def td_lambda_eligibility_traces(p):
    """TD(lambda) with accumulating eligibility traces over one episode of (state, reward)."""
    V = p[:4].copy()
    lam = p[4]
    alpha, gamma = 0.1, 0.95
    e = np.zeros(4)
    for (s, r), (s_next, _) in zip(EPISODE_TD, EPISODE_TD[1:]):
        delta = r + gamma * V[s_next] - V[s]
        e = gamma * lam * e
        e[s] += 1.0
        V = V + alpha * delta * e
    return np.sum(V ** 2)


REWARDS_BANDIT = np.array([1.0, 0.5, 1.5, 0.2])


@case([0.0, 0.0, 0.0, 0.0, 0.1], 15, scale=0.5)
def softmax_bandit_policy_gradient(p):
    """Gradient bandit (Sutton & Barto 2.8): preferences updated by the exact expected gradient."""
    H = p[:4].copy()
    lr = 0.5 + p[4]
    baseline = 0.0
    for _ in range(15):
        pi = np.exp(H - H.max())
        pi = pi / pi.sum()
        expected = pi @ REWARDS_BANDIT
        H = H + lr * pi * (REWARDS_BANDIT - expected)
        baseline = 0.9 * baseline + 0.1 * expected
    return -(pi @ REWARDS_BANDIT) + 0.1 * baseline


P_MDP = np.array([[[0.8, 0.2, 0.0], [0.1, 0.9, 0.0]], [[0.0, 0.5, 0.5], [0.3, 0.0, 0.7]],
                  [[0.2, 0.0, 0.8], [0.0, 0.1, 0.9]]])


@case([1.0, 0.0, 2.0, 0.5, -1.0, 1.5], 16, scale=0.2, rtol=1e-5, no_hessian=LOOP)
def value_iteration_bellman_tolerance(r):
    """Tabular value iteration with max over actions, stopping when the sup change is < 1e-8."""
    R = r.reshape(3, 2)
    gamma = 0.9
    V = np.zeros(3)
    while True:
        Q = R + gamma * np.einsum("sat,t->sa", P_MDP, V)
        V_new = Q.max(axis=1)
        if np.max(np.abs(V_new - V)) < 1e-8:
            break
        V = V_new
    return V_new @ np.array([1.0, 2.0, 3.0])


# ------------------------------------------------------------ vision and graphics
PTS_CAM = np.array([[0.1, 0.2], [-0.3, 0.25], [0.4, -0.35], [-0.2, -0.1], [0.05, 0.45]])


@case([-0.2, 0.05, 0.001, -0.002], 17, scale=0.2)
def brown_conrady_undistort_fixed_point(p):
    """Brown-Conrady distortion, undistorted by OpenCV's fixed-point iteration (5 sweeps)."""
    k1, k2, p1, p2 = p
    distorted = PTS_CAM
    x, y = distorted[:, 0].copy(), distorted[:, 1].copy()
    for _ in range(5):
        r2 = x * x + y * y
        radial = 1 + k1 * r2 + k2 * r2 * r2
        dx = 2 * p1 * x * y + p2 * (r2 + 2 * x * x)
        dy = p1 * (r2 + 2 * y * y) + 2 * p2 * x * y
        x = (distorted[:, 0] - dx) / radial
        y = (distorted[:, 1] - dy) / radial
    return np.sum(x ** 2 + y ** 2)


@case(np.array([0.0, 0.0, 1.0, 2.0, 3.0, 2.0, 4.0, 0.0]), 18, scale=0.05)
def de_casteljau_bezier_length(c):
    """A cubic Bezier by de Casteljau's recursion on lists of points, length by a polyline."""
    ctrl = [c[2 * i:2 * i + 2] for i in range(4)]

    def point(t):
        pts = list(ctrl)
        while len(pts) > 1:
            pts = [(1 - t) * a + t * b for a, b in zip(pts, pts[1:])]
        return pts[0]
    samples = [point(t) for t in np.linspace(0, 1, 17)]
    return sum(np.linalg.norm(b - a) for a, b in zip(samples, samples[1:]))


NORMALS_PH = np.array([[0.0, 0.0, 1.0], [0.3, 0.0, 0.95], [0.0, -0.4, 0.9], [0.5, 0.5, 0.7]])
NORMALS_PH = NORMALS_PH / np.linalg.norm(NORMALS_PH, axis=1, keepdims=True)


@case([0.3, 0.5, 1.0, 0.7, 20.0], 19, scale=0.1, no_hessian=KINK)
def phong_shading_max_dot(p):
    """Phong shading: ambient + diffuse max(n.l, 0) + specular max(r.v, 0) ** shininess."""
    light = p[:3] / np.linalg.norm(p[:3])
    kd, shininess = p[3], p[4]
    view = np.array([0.0, 0.0, 1.0])
    total = 0.0
    for n in NORMALS_PH:
        ndotl = np.dot(n, light)
        diffuse = kd * max(ndotl, 0.0)
        reflect = 2 * ndotl * n - light
        spec = max(np.dot(reflect, view), 0.0) ** shininess
        total = total + 0.1 + diffuse + 0.5 * spec
    return total


# ------------------------------------------------------------ surveys, orbits, circuits, traffic
TABLE_IPF = np.array([[40.0, 30.0, 20.0], [10.0, 25.0, 35.0]])


@case([90.0, 70.0, 50.0, 55.0, 55.0], 20, scale=0.05, rtol=1e-5, no_hessian=LOOP,
      xfail=(("jit", RAKING_RETRACE), ("jit_grad", RAKING_RETRACE)))
def raking_iterative_proportional_fitting(m):
    """Rake a 2x3 table to row and column margins by IPF until both margins match to 1e-10."""
    rows, cols = m[:2], m[2:]
    cols = cols * np.sum(rows) / np.sum(cols)
    T = TABLE_IPF * (1.0 + 0.0 * m[0])
    for it in range(500):  # noqa: B007
        T = T * (rows / T.sum(axis=1))[:, None]
        T = T * (cols / T.sum(axis=0))[None, :]
        if np.max(np.abs(T.sum(axis=1) - rows)) < 1e-10:
            break
    return np.sum(T * np.log(T / TABLE_IPF))


MU_EARTH = 398600.4418


@case([6678.0, 42164.0], 21, scale=0.05)
def hohmann_transfer_delta_v(r):
    """Hohmann transfer between circular orbits: two burns and the transfer time, math.pi."""
    r1, r2 = r
    a = (r1 + r2) / 2
    v1 = np.sqrt(MU_EARTH / r1)
    v2 = np.sqrt(MU_EARTH / r2)
    dv1 = np.sqrt(MU_EARTH / r1) * (np.sqrt(2 * r2 / (r1 + r2)) - 1)
    dv2 = np.sqrt(MU_EARTH / r2) * (1 - np.sqrt(2 * r1 / (r1 + r2)))
    t = math.pi * np.sqrt(a ** 3 / MU_EARTH)
    return abs(dv1) + abs(dv2) + t / 3600 * 0.01 + 0.0 * (v1 + v2)


RESISTORS = {("n1", "n2"): 0, ("n2", "gnd"): 1, ("n2", "n3"): 2, ("n3", "gnd"): 3,
             ("n1", "n3"): 4}


@case([100.0, 220.0, 330.0, 470.0, 1000.0], 22, scale=0.1)
def nodal_analysis_resistor_dict(R):
    """Modified nodal analysis: stamp conductances from a dict of edges, solve, power delivered."""
    nodes = ["n1", "n2", "n3"]
    index = {n: i for i, n in enumerate(nodes)}
    G = np.zeros((3, 3)) * R[0]
    for (a, b), k in RESISTORS.items():
        g = 1.0 / R[k]
        for u, v in ((a, b), (b, a)):
            if u != "gnd":
                G[index[u], index[u]] += g
                if v != "gnd":
                    G[index[u], index[v]] -= g
    I = np.array([0.05, 0.0, 0.0])  # noqa: E741
    V = np.linalg.solve(G, I)
    return V[0] * I[0] + V[2]


@case([0.4, 0.6, 1.0], 23, scale=0.05, no_hessian=KINK)
def lwr_traffic_godunov(p):
    """LWR traffic flow, Greenshields flux, Godunov's flux by cases on the densities."""
    rho_left, rho_right, vmax = p
    rho_max = 1.0
    x = np.linspace(0, 1, 30)
    rho = np.where(x < 0.5, rho_left, rho_right) + 0.0 * vmax
    crit = rho_max / 2

    def flux(r):
        return vmax * r * (1 - r / rho_max)
    dx, dt = x[1] - x[0], 0.4 * (x[1] - x[0]) / vmax
    for _ in range(15):
        a, b = rho[:-1], rho[1:]
        f = np.where(a <= b, np.minimum(flux(a), flux(b)),
                     np.where((a > crit) & (b < crit), flux(crit), np.maximum(flux(a), flux(b))))
        rho = rho.copy()
        rho[1:-1] = rho[1:-1] - dt / dx * (f[1:] - f[:-1])
    return np.sum(rho * x)


# ------------------------------------------------------------ statistics
X_HUB = np.linspace(-2, 2, 15)
Y_HUB = 1.5 * X_HUB + 0.3 + 0.2 * np.random.RandomState(24).randn(15)
Y_HUB[3] += 4.0
Y_HUB[11] -= 3.0


@case([1.0, 0.0, 1.345], 24, scale=0.1, rtol=1e-5, no_hessian=LOOP)
def huber_irls_while_converged(p):
    """Huber regression by IRLS: weights min(1, c / |r|), a while loop on the coefficient change."""
    b = p[:2].copy()
    c = p[2]
    X = np.column_stack([X_HUB, np.ones_like(X_HUB)])
    diff, it = np.inf, 0
    while diff > 1e-10 and it < 100:
        r = Y_HUB - X @ b
        w = np.minimum(1.0, c / np.maximum(np.abs(r), 1e-12))
        XtW = X.T * w
        b_new = np.linalg.solve(XtW @ X, XtW @ Y_HUB)
        diff = np.max(np.abs(b_new - b))
        b = b_new
        it += 1
    return b[0] + 2 * b[1]


@case([0.03, 1.14, 1.93, 3.27, 3.85, 5.19, 5.74], 25, scale=0.02, no_hessian=KINK, traces=3)
def theil_sen_median_slope(y):
    """Theil-Sen: the median of pairwise slopes from a comprehension over i < j, sorted."""
    x = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    slopes = sorted((y[j] - y[i]) / (x[j] - x[i]) for i in range(len(x))
                    for j in range(i + 1, len(x)))
    n = len(slopes)
    slope = slopes[n // 2] if n % 2 else 0.5 * (slopes[n // 2 - 1] + slopes[n // 2])
    intercepts = sorted(yi - slope * xi for xi, yi in zip(x, y))
    return slope + intercepts[len(intercepts) // 2]


X_NW = np.sort(np.random.RandomState(26).rand(20)) * 4
Y_NW = np.sin(X_NW) + 0.1 * np.random.RandomState(27).randn(20)


@case([0.4], 26, scale=0.2)
def nadaraya_watson_loocv(h):
    """Leave-one-out CV error of the Nadaraya-Watson smoother, the diagonal zeroed by fill."""
    bw = h[0]
    K = stats.norm.pdf((X_NW[:, None] - X_NW[None, :]) / bw)
    K = K * (1 - np.eye(len(X_NW)))
    pred = K @ Y_NW / K.sum(axis=1)
    return np.mean((pred - Y_NW) ** 2)


# ------------------------------------------------------------ text
DOCS_NB = [("spam", "win money now win"), ("ham", "meeting at noon"), ("spam", "cheap money"),
           ("ham", "lunch at noon then meeting"), ("spam", "win cheap prize now")]


@case([1.0, 0.5], 27, scale=0.2)
def naive_bayes_word_counts_dict(p):
    """Multinomial naive Bayes from dict word counts, Laplace alpha traced, a log posterior."""
    alpha, prior_spam = p[0], 1 / (1 + np.exp(-p[1]))
    counts = {"spam": {}, "ham": {}}
    for label, text in DOCS_NB:
        for word in text.split():
            counts[label][word] = counts[label].get(word, 0) + 1
    vocab = sorted({w for c in counts.values() for w in c})
    priors = {"spam": prior_spam, "ham": 1 - prior_spam}
    scores = {}
    for label, c in counts.items():
        total = sum(c.values())
        score = np.log(priors[label])
        for word in "win a cheap lunch at noon".split():
            if word not in vocab:
                continue
            score = score + np.log((c.get(word, 0) + alpha) / (total + alpha * len(vocab)))
        scores[label] = score
    return special.logsumexp([scores["spam"], scores["ham"]]) - scores["spam"]


CORPUS_UNI = "the cat sat on the mat the dog sat on the log".split()


@case([0.5, 0.3], 28, scale=0.2)
def interpolated_unigram_perplexity(p):
    """Jelinek-Mercer smoothing of unigram counts with a uniform model, held-out perplexity."""
    lam = 1 / (1 + np.exp(-p[0]))
    unk_mass = 0.05 + 0.1 / (1 + np.exp(-p[1]))
    counts = {}
    for w in CORPUS_UNI:
        counts[w] = counts.get(w, 0) + 1
    total, V = len(CORPUS_UNI), len(counts) + 1
    held_out = "the cat sat on the rug".split()
    log_prob = 0.0
    for w in held_out:
        ml = counts.get(w, 0) / total
        prob = (1 - unk_mass) * (lam * ml + (1 - lam) / V) + (unk_mass if w not in counts else 0)
        log_prob = log_prob + np.log(prob)
    return np.exp(-log_prob / len(held_out))


# ------------------------------------------------------------ grades, schedules
SCORES_CURVE = {"ana": [78.0, 85.0, 90.0], "bo": [62.0, 70.0, 58.0], "cy": [88.0, 92.0, 95.0],
                "di": [45.0, 60.0, 72.0]}


@case([0.2, 0.3, 0.5, 5.0], 29, scale=0.05, no_hessian=KINK)
def curved_grades_letter_points(p):
    """Weighted averages, a curve added, letters by an if/elif ladder, a GPA by a dict lookup."""
    weights, curve = p[:3], p[3]
    points = {"A": 4.0, "B": 3.0, "C": 2.0, "D": 1.0, "F": 0.0}
    gpa_sum, soft = 0.0, 0.0
    for name, scores in sorted(SCORES_CURVE.items()):  # noqa: B007
        avg = sum(w * s for w, s in zip(weights, scores)) / sum(weights) + curve
        if avg >= 90:
            letter = "A"
        elif avg >= 80:
            letter = "B"
        elif avg >= 70:
            letter = "C"
        elif avg >= 60:
            letter = "D"
        else:
            letter = "F"
        gpa_sum += points[letter]
        soft = soft + 1 / (1 + np.exp(-(avg - 75) / 5))
    return soft + gpa_sum / len(SCORES_CURVE) * 0.0 + 0.01 * gpa_sum * curve


# ------------------------------------------------------------ finance in plain Python
CASHFLOWS_IRR = [-1000.0, 300.0, 420.0, 380.0, 250.0]


@case([1.0, 1.0, 1.0, 1.0], 30, scale=0.05, rtol=1e-5, no_hessian=LOOP)
def irr_bisection_scaled_cashflows(s):
    """The internal rate of return by bisection on the NPV; the cash flows scaled by inputs."""
    flows = [CASHFLOWS_IRR[0]] + [c * si for c, si in zip(CASHFLOWS_IRR[1:], s)]

    def npv(rate):
        return sum(cf / (1 + rate) ** t for t, cf in enumerate(flows))
    lo, hi = -0.5 + 0.0 * s[0], 1.0 + 0.0 * s[0]
    while hi - lo > 1e-6:
        mid = (lo + hi) / 2
        if npv(mid) > 0:
            lo = mid
        else:
            hi = mid
    rate = (lo + hi) / 2          # polished by Newton steps on the bracketed root
    for _ in range(3):
        slope = sum(-t * cf / (1 + rate) ** (t + 1) for t, cf in enumerate(flows))
        rate = rate - npv(rate) / slope
    return rate


SCHEDULE_BOND = {"2025-06": 2.5, "2025-12": 2.5, "2026-06": 2.5, "2026-12": 102.5}


@case([0.03, 0.035, 0.04], 31, scale=0.1)
def bond_price_from_dated_schedule(z):
    """A bond priced from a dict of dated coupons and a piecewise-linear zero curve."""
    tenors = [0.5, 1.0, 2.0]
    price = 0.0
    for i, (date, cf) in enumerate(sorted(SCHEDULE_BOND.items())):  # noqa: B007
        year, month = (int(part) for part in date.split("-"))
        t = (year - 2025) + month / 12.0
        rate = np.interp(t, tenors, z)
        price = price + cf * np.exp(-rate * t)
    return price


# ------------------------------------------------------------ more physics
@case([2.0, 1.5, 0.3, 0.0], 32, scale=0.1)
def double_pendulum_lagrangian_rk4(p):
    """A double pendulum from its Lagrangian's equations of motion, RK4 on a NumPy state."""
    th1, th2, w1, w2 = p
    m1 = m2 = 1.0
    l1 = l2 = 1.0
    g = 9.81

    def rhs(s):
        a, b, wa, wb = s[0], s[1], s[2], s[3]
        d = a - b
        den = 2 * m1 + m2 - m2 * np.cos(2 * d)
        dwa = (-g * (2 * m1 + m2) * np.sin(a) - m2 * g * np.sin(a - 2 * b)
               - 2 * np.sin(d) * m2 * (wb ** 2 * l2 + wa ** 2 * l1 * np.cos(d))) / (l1 * den)
        dwb = (2 * np.sin(d) * (wa ** 2 * l1 * (m1 + m2) + g * (m1 + m2) * np.cos(a)
                                + wb ** 2 * l2 * m2 * np.cos(d))) / (l2 * den)
        return np.stack([wa, wb, dwa, dwb])
    s = np.stack([th1, th2, w1, w2])
    h = 0.01
    for _ in range(30):
        k1 = rhs(s)
        k2 = rhs(s + h / 2 * k1)
        k3 = rhs(s + h / 2 * k2)
        k4 = rhs(s + h * k3)
        s = s + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    return np.sum(np.cos(s[:2])) + 0.01 * np.sum(s[2:] ** 2)


STAGES_ROCKET = [{"name": "booster", "isp": 280.0, "dry": 20.0},
                 {"name": "core", "isp": 320.0, "dry": 6.0},
                 {"name": "upper", "isp": 450.0, "dry": 1.5}]


@case([200.0, 60.0, 15.0], 33, scale=0.1)
def rocket_staging_tsiolkovsky(fuel):
    """Total delta-v of a three-stage rocket from a list of stage dicts, payload on top."""
    g0, payload = 9.80665, 2.0
    dv = 0.0
    for k, stage in enumerate(STAGES_ROCKET):
        above = payload + sum(s["dry"] + f for s, f in zip(STAGES_ROCKET[k + 1:], fuel[k + 1:]))
        m0 = above + stage["dry"] + fuel[k]
        mf = above + stage["dry"]
        dv = dv + stage["isp"] * g0 * np.log(m0 / mf)
    return dv / 1000 - 0.01 * np.sum(fuel)


@case([300.0, 1200.0, 1.4, 8.0], 34, scale=0.05, fd_step=1e-9)
def otto_cycle_efficiency_states(p):
    """An air-standard Otto cycle from a dict of states: compression, heat, expansion, net work."""
    T1, Qin, gamma, r = p
    cv = 0.718
    states = {1: {"T": T1}}
    states[2] = {"T": states[1]["T"] * r ** (gamma - 1)}
    states[3] = {"T": states[2]["T"] + Qin / cv}
    states[4] = {"T": states[3]["T"] / r ** (gamma - 1)}
    q_out = cv * (states[4]["T"] - states[1]["T"])
    work = Qin - q_out
    eta = work / Qin
    assert abs(eta - (1 - 1 / r ** (gamma - 1))) < 1e-9
    return eta + work / 1000


@case([2.0, 1.5, 500.0, 0.8], 35, scale=0.1)
def heat_exchanger_effectiveness_ntu(p):
    """Counterflow heat exchanger by effectiveness-NTU, the balanced case caught explicitly."""
    C_hot, C_cold, UA, scale = p
    Cmin, Cmax = min(C_hot, C_cold), max(C_hot, C_cold)
    Cr = Cmin / Cmax
    NTU = UA / (Cmin * 1000) * scale
    try:
        if abs(1 - Cr) < 1e-12:
            raise ZeroDivisionError
        eps = (1 - np.exp(-NTU * (1 - Cr))) / (1 - Cr * np.exp(-NTU * (1 - Cr)))
    except ZeroDivisionError:
        eps = NTU / (1 + NTU)
    return eps * Cmin * (400.0 - 300.0)


# ------------------------------------------------------------ machine learning in plain Python
X_ADAM = np.random.RandomState(36).randn(20, 3)
Y_ADAM = X_ADAM @ np.array([0.5, -1.0, 2.0]) + 0.1


@case([0.0, 0.0, 0.0, 0.05], 36, scale=0.3)
def adam_state_dict_steps(p):
    """Adam on least squares with the optimizer state in a dict of arrays and a step counter."""
    w = p[:3].copy()
    lr = 0.05 + p[3]
    state = {"m": np.zeros(3), "v": np.zeros(3), "t": 0}
    hyper = {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8}
    for _ in range(25):
        g = 2 * X_ADAM.T @ (X_ADAM @ w - Y_ADAM) / len(Y_ADAM)
        state["t"] += 1
        state["m"] = hyper["beta1"] * state["m"] + (1 - hyper["beta1"]) * g
        state["v"] = hyper["beta2"] * state["v"] + (1 - hyper["beta2"]) * g * g
        m_hat = state["m"] / (1 - hyper["beta1"] ** state["t"])
        v_hat = state["v"] / (1 - hyper["beta2"] ** state["t"])
        w = w - lr * m_hat / (np.sqrt(v_hat) + hyper["eps"])
    return np.mean((X_ADAM @ w - Y_ADAM) ** 2)


X_KNN = np.random.RandomState(37).randn(15, 2)
Y_KNN = (X_KNN[:, 0] * X_KNN[:, 1] > 0).astype(float)


@case([0.2, -0.1, 0.7], 37, scale=0.1, traces=3)
def soft_knn_vote_sorted_neighbours(p):
    """k-nearest neighbours with a softmax vote over the 5 closest, sorted by a key function."""
    query, temp = p[:2], p[2]
    dists = [(np.sum((x - query) ** 2), label) for x, label in zip(X_KNN, Y_KNN)]
    nearest = sorted(dists, key=lambda d: d[0])[:5]
    weights = [np.exp(-d / temp) for d, _ in nearest]
    total = sum(weights)
    return sum(w * label for w, (_, label) in zip(weights, nearest)) / total


X_CV = np.random.RandomState(38).randn(18, 3)
Y_CV = X_CV @ np.array([1.0, 0.0, -1.0]) + 0.3 * np.random.RandomState(39).randn(18)


@case([0.0], 38, scale=0.5)
def ridge_kfold_list_slices(log_alpha):
    """3-fold cross-validated ridge error, folds by list slicing, closed form per fold."""
    alpha = np.exp(log_alpha[0])
    idx = list(range(len(Y_CV)))
    folds = [idx[k::3] for k in range(3)]
    errors = []
    for k, test in enumerate(folds):  # noqa: B007
        train = [i for i in idx if i not in test]
        X, y = X_CV[train], Y_CV[train]
        w = np.linalg.solve(X.T @ X + alpha * np.eye(3), X.T @ y)
        errors.append(np.mean((X_CV[test] @ w - Y_CV[test]) ** 2))
    return sum(errors) / len(errors)


X_PF = np.linspace(-1, 1, 12)
Y_PF = np.cos(2 * X_PF)


@case([0.0, 0.1, -1.5, 0.0, 0.5], 39, scale=0.2)
def polynomial_features_comprehension(c):
    """Polynomial regression with features built by a comprehension of powers, a list of terms."""
    degree = len(c) - 1
    features = [X_PF ** k for k in range(degree + 1)]
    pred = sum(ck * f for ck, f in zip(c, features))
    penalty = sum(k * ck ** 2 for k, ck in enumerate(c))
    return np.mean((pred - Y_PF) ** 2) + 1e-3 * penalty


# ------------------------------------------------------------ signals in loops
@case([697.0, 1209.0], 40, scale=0.002)
def goertzel_dtmf_tone_power(f):
    """Goertzel's algorithm for two DTMF tones, coefficients by np.cos of traced frequencies."""
    fs, N = 8000.0, 64
    n = np.arange(N)
    signal = np.sin(2 * np.pi * 697.0 * n / fs) + np.sin(2 * np.pi * 1209.0 * n / fs)
    powers = []
    for freq in f:
        coeff = 2 * np.cos(2 * np.pi * freq / fs)
        s_prev = s_prev2 = 0.0
        for x in signal:
            s = x + coeff * s_prev - s_prev2
            s_prev2, s_prev = s_prev, s
        powers.append(s_prev2 ** 2 + s_prev ** 2 - coeff * s_prev * s_prev2)
    return sum(powers) / N ** 2


@case([1000.0, 0.707], 41, scale=0.05, fd_step=1e-9)
def biquad_lowpass_rbj_cookbook(p):
    """An RBJ cookbook low-pass biquad, coefficients normalized by a0, run in direct form I."""
    f0, Q = p
    fs = 16000.0
    w0 = 2 * np.pi * f0 / fs
    alpha = np.sin(w0) / (2 * Q)
    b = [(1 - np.cos(w0)) / 2, 1 - np.cos(w0), (1 - np.cos(w0)) / 2]
    a = [1 + alpha, -2 * np.cos(w0), 1 - alpha]
    b = [bi / a[0] for bi in b]
    a = [ai / a[0] for ai in a]
    x = np.sin(2 * np.pi * 3000.0 * np.arange(60) / fs) + 1.0
    y = []
    x1 = x2 = y1 = y2 = 0.0
    for xn in x:
        yn = b[0] * xn + b[1] * x1 + b[2] * x2 - a[1] * y1 - a[2] * y2
        x2, x1 = x1, xn
        y2, y1 = y1, yn
        y.append(yn)
    return np.mean(np.stack(y[20:]) ** 2)     # was np.array(y[20:])


# ------------------------------------------------------------ geometry, genetics, sports, robots
@case([0.1, -0.05, 0.02, 0.03, -0.04, 0.01, 0.05, -0.02], 42, scale=0.3)
def circle_fit_kasa_lstsq(noise):
    """Kasa's algebraic circle fit: x^2 + y^2 = 2ax + 2by + c by scipy.linalg.lstsq."""
    angles = np.linspace(0, 2 * np.pi, 8, endpoint=False)
    r_true = 2.0
    pts = [(1.0 + (r_true + e) * math.cos(t), -0.5 + (r_true + e) * math.sin(t))
           for t, e in zip(angles, noise)]
    x = np.stack([p[0] for p in pts])
    y = np.stack([p[1] for p in pts])
    A = np.column_stack([2 * x, 2 * y, np.ones(len(pts))])
    sol, *_ = sla.lstsq(A, x ** 2 + y ** 2)
    a, b, c = sol
    radius = np.sqrt(c + a ** 2 + b ** 2)
    return radius + a + b


COUNTS_ABO = {"A": 186, "B": 38, "AB": 13, "O": 284}


@case([0.3, 0.1], 43, scale=0.2, rtol=1e-5, no_hessian=LOOP)
def abo_allele_em_gene_counting(start):
    """ABO allele frequencies by EM gene counting on a dict of phenotype counts, to 1e-10."""
    p, q = start[0], start[1]
    n = sum(COUNTS_ABO.values())
    for _ in range(200):
        r = 1 - p - q
        nAA = COUNTS_ABO["A"] * p * p / (p * p + 2 * p * r)
        nAO = COUNTS_ABO["A"] - nAA
        nBB = COUNTS_ABO["B"] * q * q / (q * q + 2 * q * r)
        nBO = COUNTS_ABO["B"] - nBB
        p_new = (2 * nAA + nAO + COUNTS_ABO["AB"]) / (2 * n)
        q_new = (2 * nBB + nBO + COUNTS_ABO["AB"]) / (2 * n)
        done = abs(p_new - p) + abs(q_new - q) < 1e-10
        p, q = p_new, q_new
        if done:
            break
    return p + 2 * q + 0.0 * start[0]


SEASON_PYTH = {"lions": (812, 701), "bears": (690, 745), "hawks": (733, 730)}
WINS_PYTH = {"lions": 93, "bears": 74, "hawks": 80}


@case([1.83], 44, scale=0.1)
def pythagorean_expectation_exponent(k):
    """Bill James's Pythagorean expectation: squared error of predicted wins over a dict."""
    err = 0.0
    for team, (scored, allowed) in SEASON_PYTH.items():
        expected = scored ** k[0] / (scored ** k[0] + allowed ** k[0])
        err = err + (162 * expected - WINS_PYTH[team]) ** 2
    return err / len(SEASON_PYTH)


COMMANDS_ODOM = [(1.0, 1.0), (1.0, 0.8), (0.5, 1.2), (1.2, 1.2), (0.9, 0.4)]


@case([0.1, 0.5], 45, scale=0.05)
def differential_drive_odometry(p):
    """Differential-drive dead reckoning from wheel speeds; straight steps special-cased."""
    wheel_radius, track = p
    x = y = theta = 0.0
    dt = 0.5
    for vl, vr in COMMANDS_ODOM:
        v = wheel_radius * (vl + vr) / 2
        omega = wheel_radius * (vr - vl) / track
        if vl == vr:
            x = x + v * dt * np.cos(theta)
            y = y + v * dt * np.sin(theta)
        else:
            R = v / omega
            x = x + R * (np.sin(theta + omega * dt) - np.sin(theta))
            y = y - R * (np.cos(theta + omega * dt) - np.cos(theta))
        theta = theta + omega * dt
    return (x - 1.0) ** 2 + (y - 0.3) ** 2 + theta ** 2


# ------------------------------------------------------------ an ODE by scipy.integrate
T_ODE = np.linspace(0.0, 4.0, 9)
CASES_ODE = np.array([0.01, 0.03, 0.08, 0.18, 0.32, 0.42, 0.40, 0.31, 0.21])


def _sir_rhs(y, t, beta, gamma):
    S, I = y[0], y[1]  # noqa: E741
    return np.stack([-beta * S * I, beta * S * I - gamma * I, gamma * I])


@case([2.5, 0.6], 46, scale=0.05, rtol=1e-5,
      no_hessian="odeint at rtol 1e-12 differentiated twice (the adjoint's adjoint) takes 9 s; "
                 "the gradient is checked against central differences")
def sir_odeint_least_squares(p):
    """Fit SIR rates to infection counts by odeint(rhs, y0, t, (beta, gamma)), squared error."""
    beta, gamma = p
    sol = odeint(_sir_rhs, np.array([0.99, 0.01, 0.0]), T_ODE, (beta, gamma), rtol=1e-12,
                 atol=1e-14)
    return np.sum((sol[:, 1] - CASES_ODE) ** 2)
