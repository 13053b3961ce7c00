"""The evaluator suite of the CTGAN paper and SDGym's early leaderboard, so published numbers compare.

Following SDGym's ``sdgym/evaluate.py`` (v0.2, used for Xu et al. 2019's tables):

* features: a numerical column with min >= 0 and max >= 1000 becomes ``log(max(x, 0.01))``, any other
  numerical column ``(x - min) / (max - min) * 5``; a categorical column with at most 2 categories
  becomes its category code, others are one-hot encoded. Min, max and codes come from the real training
  split (SDGym took them from the dataset's metadata);
* binary classification: DecisionTree(max_depth=15, class_weight=balanced), AdaBoost(),
  LogisticRegression(lbfgs, class_weight=balanced, max_iter=50), MLP((50,), max_iter=50); F1 of the
  positive class, averaged over the four;
* multiclass: DecisionTree(max_depth=30, class_weight=balanced), MLP((100,), max_iter=50); macro-F1;
* regression: LinearRegression, MLPRegressor((100,), max_iter=50) on ``log(clip(y, 1, 20000))``; R^2.

Models are trained on the given training set (real, synthetic or mixed) and scored on the real test split.
Unlike SDGym, every model is seeded.
"""

from __future__ import annotations

import warnings

import numpy as np

from synthbench.data.table import Table

NAME = "ctgan-paper"


def _models(problem: str, seed: int):
    from sklearn.ensemble import AdaBoostClassifier
    from sklearn.linear_model import LinearRegression, LogisticRegression
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    from sklearn.tree import DecisionTreeClassifier

    if problem == "binary":
        return {"decision_tree": DecisionTreeClassifier(max_depth=15, class_weight="balanced", random_state=seed),
                "adaboost": AdaBoostClassifier(random_state=seed),
                "logistic_regression": LogisticRegression(solver="lbfgs", class_weight="balanced", max_iter=50),
                "mlp": MLPClassifier(hidden_layer_sizes=(50,), max_iter=50, random_state=seed)}
    if problem == "multiclass":
        return {"decision_tree": DecisionTreeClassifier(max_depth=30, class_weight="balanced", random_state=seed),
                "mlp": MLPClassifier(hidden_layer_sizes=(100,), max_iter=50, random_state=seed)}
    return {"linear_regression": LinearRegression(),
            "mlp": MLPRegressor(hidden_layer_sizes=(100,), max_iter=50, random_state=seed)}


class SDGymFeatures:
    """SDGym's ``FeatureMaker`` transform, its statistics taken from a reference (the real training split)."""

    def __init__(self, reference: Table):
        self.table = reference
        self.stats = {}
        for c in reference.numerical(include_target=False):
            lo, hi = float(reference.frame[c].min()), float(reference.frame[c].max())
            self.stats[c] = ("log", lo, hi) if lo >= 0 and hi >= 1e3 else ("scale", lo, hi)
        self.codes = {c: sorted(reference.frame[c].unique()) for c in reference.categorical(include_target=False)}
        self.encoders = {}

    def transform(self, frame, fit: bool = False) -> np.ndarray:
        from sklearn.preprocessing import OneHotEncoder

        parts = []
        for c in self.table.columns:
            if c == self.table.target:
                continue
            col = frame[c].to_numpy()
            if c in self.stats:
                kind, lo, hi = self.stats[c]
                col = col.astype(float)
                parts.append(np.log(np.maximum(col, 1e-2)) if kind == "log" else (col - lo) / ((hi - lo) or 1.0) * 5)
            elif len(self.codes[c]) <= 2:
                index = {v: i for i, v in enumerate(self.codes[c])}
                parts.append(np.array([index.get(v, -1) for v in col], dtype=float))
            else:
                if fit:
                    self.encoders[c] = OneHotEncoder(handle_unknown="ignore", sparse_output=False).fit(col.reshape(-1, 1))
                parts.append(self.encoders[c].transform(col.reshape(-1, 1)))
        return np.column_stack(parts)


def evaluate(train: Table, test: Table, reference: Table, positive: str, seed: int) -> dict:
    """Scores of every suite model trained on ``train`` and scored on ``test``: ``{model: score}`` plus
    ``"mean"``; the score is F1 (binary, of ``positive``), macro-F1 (multiclass) or R^2 (regression)."""
    from sklearn.metrics import f1_score, r2_score

    classification = reference.columns[reference.target] == "categorical"
    classes = sorted(reference.y.unique()) if classification else []
    problem = ("binary" if len(classes) == 2 else "multiclass") if classification else "regression"
    feats = SDGymFeatures(reference)
    x_tr, x_te = feats.transform(train.frame, fit=True), feats.transform(test.frame)
    if classification:
        y_tr, y_te = train.y.to_numpy(), test.y.to_numpy()
    else:
        y_tr = np.log(np.clip(train.y.to_numpy(float), 1, 20000))
        y_te = np.log(np.clip(test.y.to_numpy(float), 1, 20000))
    scores = {}
    for name, model in _models(problem, seed).items():
        if classification and len(np.unique(y_tr)) == 1:
            pred = np.repeat(y_tr[0], len(y_te))  # as SDGym: a one-class training set predicts that class
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # max_iter=50 is the suite's setting: convergence warnings expected
                pred = model.fit(x_tr, y_tr).predict(x_te)
        if problem == "binary":
            scores[name] = float(f1_score(y_te, pred, pos_label=positive, average="binary", zero_division=0))
        elif problem == "multiclass":
            scores[name] = float(f1_score(y_te, pred, average="macro", zero_division=0))
        else:
            scores[name] = float(r2_score(y_te, pred))
    scores["mean"] = float(np.mean(list(scores.values())))
    return scores
