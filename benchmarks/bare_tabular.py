"""A table run written plainly: the same library calls as ``synthbench run`` on a table task, without
synthbench's registry, checks, progress display or MLflow record.

Splits come from synthbench's table modality (its ``load_splits``, so both sides see identical rows); everything
after that is SDV, scikit-learn, XGBoost, SDMetrics and fairlearn called directly: fit and sample the SDV synthesizer; for
each regime train XGBoost (early stopping on the validation split) and logistic regression / ridge, score
on the test split, fairness gaps by sensitive column; the CTGAN-paper suite when the budget runs it; the
SDMetrics quality report and logistic detection; DCR, exact copies and the membership-inference AUC.

Usage: python benchmarks/bare_tabular.py <task> <sdv synthesizer class> '<json of synthesizer params>' <budget> <seed>
Prints one JSON line with the seconds and headline numbers.
"""

from __future__ import annotations

import json
import sys
import time
import warnings

import numpy as np
import pandas as pd

warnings.filterwarnings("ignore")
t_start = time.perf_counter()
task_name, synth_name, synth_params, budget, seed = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), sys.argv[4], int(sys.argv[5])

from synthbench import registry  # noqa: E402 - the identical splits
from synthbench.tasks import load_task  # noqa: E402

task = load_task(task_name)
data = registry.modalities.get(task.modality).load_splits(task, task.budget(budget), None)
train, val, test = data.train.frame, data.validation.frame, data.test.frame
target, cols = task.data.target, task.data.columns
cat = [c for c, t in cols.items() if t == "categorical" and c != target]
num = [c for c, t in cols.items() if t != "categorical" and c != target]
classification = cols[target] == "categorical"
positive = task.data.positive

import sdv.single_table  # noqa: E402
from sdv.metadata import Metadata  # noqa: E402

meta = {"columns": {c: {"sdtype": "categorical"} if t == "categorical" else
                    ({"sdtype": "numerical", "decimal_places": 0} if t == "integer" else {"sdtype": "numerical"})
                    for c, t in cols.items()}}
t0 = time.perf_counter()
np.random.seed(seed)
import torch  # noqa: E402

torch.manual_seed(seed)
synth = getattr(sdv.single_table, synth_name)(Metadata.load_from_dict({"tables": {"table": meta}}), **synth_params)
synth.fit({"table": train})
fit_s = time.perf_counter() - t0
synth._set_random_state(seed)
synthetic = synth.sample(num_rows=len(train))["table"][list(cols)]

from sklearn.compose import ColumnTransformer  # noqa: E402
from sklearn.linear_model import LogisticRegression, Ridge  # noqa: E402
from sklearn.metrics import accuracy_score, f1_score, mean_squared_error, r2_score, roc_auc_score  # noqa: E402
from sklearn.preprocessing import OneHotEncoder, StandardScaler  # noqa: E402
import xgboost as xgb  # noqa: E402

classes = sorted(train[target].unique()) if classification else None
rng = np.random.default_rng(seed)
n_syn = len(train) // 2
mixed = pd.concat([train.iloc[np.sort(rng.choice(len(train), len(train) - n_syn, replace=False))],
                   synthetic.iloc[np.sort(rng.choice(len(synthetic), n_syn, replace=False))]], ignore_index=True)
results = {}
params = dict(task.downstream.params)
for regime, frame in (("real", train), ("synthetic", synthetic), ("mixed", mixed)):
    pre = ColumnTransformer([("c", OneHotEncoder(handle_unknown="ignore", sparse_output=False), cat), ("n", StandardScaler(), num)])
    x = pre.fit_transform(frame.drop(columns=[target]))
    xv, xt = pre.transform(val.drop(columns=[target])), pre.transform(test.drop(columns=[target]))
    if classification:
        y, yv, yt = (np.array([classes.index(v) for v in f[target]]) for f in (frame, val, test))
        sw = None
        if params.get("class_weight"):
            from sklearn.utils.class_weight import compute_sample_weight

            sw = compute_sample_weight(params["class_weight"], y)
        model = xgb.XGBClassifier(n_estimators=300, learning_rate=0.1, max_depth=6, subsample=0.9, colsample_bytree=0.9,
                                  n_jobs=2, random_state=seed, tree_method="hist", early_stopping_rounds=20)
        model.fit(x, y, sample_weight=sw, eval_set=[(xv, yv)], verbose=False)
        proba = model.predict_proba(xt)
        pred = proba.argmax(1)
        pos = classes.index(positive)
        results[regime] = {"accuracy": accuracy_score(yt, pred), "f1": f1_score(yt == pos, pred == pos),
                           "auroc": roc_auc_score(yt == pos, proba[:, pos])}
        lr = LogisticRegression(max_iter=1000, class_weight=params.get("class_weight")).fit(x, y)
        results[regime]["logreg_accuracy"] = accuracy_score(yt, lr.predict(xt))
        if task.data.sensitive:
            from fairlearn.metrics import demographic_parity_difference, equal_opportunity_difference

            for col in task.data.sensitive:
                results[regime][f"dp_{col}"] = demographic_parity_difference(yt == pos, pred == pos, sensitive_features=test[col])
                results[regime][f"eo_{col}"] = equal_opportunity_difference(yt == pos, pred == pos, sensitive_features=test[col])
    else:
        y, yv, yt = (f[target].to_numpy(float) for f in (frame, val, test))
        model = xgb.XGBRegressor(n_estimators=300, learning_rate=0.1, max_depth=6, subsample=0.9, colsample_bytree=0.9,
                                 n_jobs=2, random_state=seed, tree_method="hist", early_stopping_rounds=20)
        model.fit(x, y, eval_set=[(xv, yv)], verbose=False)
        pred = model.predict(xt)
        results[regime] = {"r2": r2_score(yt, pred), "rmse": mean_squared_error(yt, pred) ** 0.5,
                           "ridge_r2": r2_score(yt, Ridge().fit(x, y).predict(xt))}
    if task.downstream.suite and task.budget(budget).suite:
        from synthbench.downstream import ctgan_suite  # the suite's own definition (SDGym's models and features)
        from synthbench.data.table import Table

        as_table = lambda f: Table(f.reset_index(drop=True), dict(cols), target)  # noqa: E731
        results[regime]["suite"] = ctgan_suite.evaluate(as_table(frame), as_table(test), as_table(train), positive, seed)["mean"]
if task.data.sensitive and classification:
    for col in task.data.sensitive:
        for name, f in (("real", train), ("synthetic", synthetic)):
            rates = (f[target] == positive).groupby(f[col]).mean()
            results[f"data_gap_{col}_{name}"] = float(rates.max() - rates.min())

from sdmetrics.reports import QualityReport  # noqa: E402
from sdmetrics.single_table import LogisticDetection  # noqa: E402

n = min(task.budget(budget).fidelity_samples, len(synthetic))
syn_s = synthetic.iloc[np.sort(rng.choice(len(synthetic), n, replace=False))].reset_index(drop=True)
report = QualityReport()
report.generate({"table": train}, {"table": syn_s}, {"tables": {"table": meta}}, verbose=False)
results["quality"] = report.get_score()
np.random.seed(seed)
results["detection"] = LogisticDetection.compute(train, syn_s, meta)

# privacy: SDMetrics' DCR definition as an L1 nearest-neighbour search; exact copies; distance-based MIA
from sklearn.neighbors import NearestNeighbors  # noqa: E402

numc = [c for c, t in cols.items() if t != "categorical"]
catc = [c for c, t in cols.items() if t == "categorical"]
lo = train[numc].min().to_numpy(float)
scale = np.where(train[numc].max().to_numpy(float) - lo > 0, train[numc].max().to_numpy(float) - lo, 1.0)
enc = OneHotEncoder(handle_unknown="ignore", sparse_output=False).fit(train[catc].astype(str))


def encode(f):
    return np.hstack([(f[numc].to_numpy(float) - lo) / scale, 0.5 * enc.transform(f[catc].astype(str))])


def dcr(rows, ref):
    return NearestNeighbors(n_neighbors=1, metric="manhattan", algorithm="brute").fit(encode(ref)).kneighbors(encode(rows))[0][:, 0] / len(cols)


k = int(min(task.budget(budget).privacy_samples, len(train), len(val), len(synthetic)))
tr, ho, sy = (f.iloc[np.sort(rng.choice(len(f), k, replace=False))] for f in (train, val, synthetic))
h = lambda f: pd.util.hash_pandas_object(f.astype(str), index=False).to_numpy()  # noqa: E731
results["exact_copies"] = float(np.isin(h(synthetic), h(train)).mean())
d_tr, d_ho = dcr(sy, tr), dcr(sy, ho)
results["dcr_share"] = float(np.mean(d_tr < d_ho))
results["mia_auc"] = roc_auc_score(np.r_[np.ones(k), np.zeros(k)], -np.r_[dcr(tr, synthetic), dcr(ho, synthetic)])
print(json.dumps({"total_seconds": time.perf_counter() - t_start, "fit_seconds": fit_s,
                  "results": json.loads(json.dumps(results, default=float))}))
