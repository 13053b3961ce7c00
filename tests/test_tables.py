"""Tables: task files, loaders and their bad-input errors, the table contract, metrics."""

import numpy as np
import pandas as pd
import pytest

from synthbench import datasets
from synthbench.contract import validate_table_sample
from synthbench.exceptions import ConfigError, ContractError, DatasetError
from synthbench.loaders import load_task_data
from synthbench.data.table import Table
from synthbench.tasks import load_task, load_task_file
from synthbench.testing import tiny_table

COLUMNS = {"x": "numerical", "colour": "categorical", "count": "integer", "label": "categorical"}


def user_task(tmp_path, train: pd.DataFrame, test: pd.DataFrame | None = None, columns=None, extra: str = "") -> object:
    """A user's own table task over CSV files, as a user would write it."""
    train.to_csv(tmp_path / "train.csv", index=False)
    lines = ['name = "mytable"', "version = 1", 'modality = "table"', "", "[data]", 'target = "label"',
             'positive = "yes"', 'train_file = "train.csv"', "validation_size = 20", "split_seed = 1"]
    if test is not None:
        test.to_csv(tmp_path / "test.csv", index=False)
        lines.append('test_file = "test.csv"')
    else:
        lines.append("test_fraction = 0.25")
    lines += [extra, "", "[data.columns]"] + [f'{k} = "{v}"' for k, v in (COLUMNS if columns is None else columns).items()]
    lines += ["", "[downstream]", 'model = "logreg"', "", "[metrics]", 'utility = ["accuracy", "f1", "auroc"]',
              'fidelity = ["quality", "detection"]', 'privacy = ["dcr", "exact_copies", "mia"]', "",
              "[budgets.quick]", "fidelity_samples = 200", "privacy_samples = 50", "[budgets.standard]", "[budgets.full]"]
    (tmp_path / "mytable.toml").write_text("\n".join(lines) + "\n")
    return load_task_file(tmp_path / "mytable.toml")


def frames(n=200, seed=0):
    t = tiny_table(n, seed).frame
    return t.iloc[: int(n * 0.75)].reset_index(drop=True), t.iloc[int(n * 0.75):].reset_index(drop=True)


# -- shipped tasks -------------------------------------------------------------------------------------

@pytest.mark.parametrize("name,sizes", [("adult", (27561, 5000, 16281)), ("diamonds", (38152, 5000, 10788)),
                                        ("lending-club", (6393, 1000, 2464))])
def test_shipped_table_tasks_load_with_declared_types(name, sizes):
    task = load_task(name)
    data = load_task_data(task, "standard")
    assert (len(data.train), len(data.validation), len(data.test)) == sizes
    for split in (data.train, data.validation, data.test):
        assert list(split.frame.columns) == list(task.data.columns)
        for c, t in task.data.columns.items():
            kind = split.frame[c].dtype.kind
            assert kind == {"categorical": "O", "numerical": "f", "integer": "i"}[t], (c, t, kind)
    assert set(data.checksums) <= {f.name for f in datasets.get_spec(task.data.dataset).files}


def test_adult_keeps_uci_split_and_labels():
    data = load_task_data(load_task("adult"), "standard")
    assert set(data.test.y) == {"<=50K", ">50K"}  # adult.test's trailing "." removed
    assert data.class_names == ["<=50K", ">50K"]
    assert (data.test.frame["workclass"] == "?").sum() > 0  # missing kept as a category
    quick = load_task_data(load_task("adult"), "quick")
    assert len(quick.train) == 5000 and len(quick.test) == 16281


def test_table_task_problem_must_match_the_target_type(tmp_path):
    train, _ = frames()
    with pytest.raises(ConfigError, match=r"\[data\].problem is 'regression' but target 'label' is declared categorical"):
        user_task(tmp_path, train, extra='problem = "regression"')


def test_table_task_needs_declared_columns(tmp_path):
    train, _ = frames()
    with pytest.raises(ConfigError, match=r"declares its column types in \[data.columns\]"):
        user_task(tmp_path, train, columns={})


# -- bad input: one clear error each -------------------------------------------------------------------

def test_csv_missing_target_column(tmp_path):
    train, test = frames()
    task = user_task(tmp_path, train.drop(columns=["label"]), test)
    with pytest.raises(DatasetError, match=r"target column 'label' is missing .*add it to the file or name the right \[data\].target"):
        load_task_data(task, "quick")


def test_unseen_category_in_test_split(tmp_path):
    train, test = frames()
    test.loc[3, "colour"] = "purple"
    task = user_task(tmp_path, train, test)
    with pytest.raises(DatasetError, match=r"column 'colour' has categories in the test split that the training data never shows \('purple'; 1 rows\)"):
        load_task_data(task, "quick")


def test_nans(tmp_path):
    train, test = frames()
    train.loc[[5, 9], "x"] = np.nan
    task = user_task(tmp_path, train, test)
    with pytest.raises(DatasetError, match=r"column 'x' has 2 missing value\(s\) \(first at row 5\) - drop or impute"):
        load_task_data(task, "quick")


def test_constant_column(tmp_path):
    train, test = frames()
    train["const"], test["const"] = 7, 7
    task = user_task(tmp_path, train, test, columns={**COLUMNS, "const": "integer"})
    with pytest.raises(DatasetError, match=r"column 'const' has a single value \(7\) - it carries no information"):
        load_task_data(task, "quick")


def test_type_contradicts_metadata(tmp_path):
    train, test = frames()
    task = user_task(tmp_path, train, test, columns={**COLUMNS, "colour": "numerical"})
    with pytest.raises(DatasetError, match=r"column 'colour' is declared numerical but holds non-numeric values such as '(red|green|blue)'"):
        load_task_data(task, "quick")
    task = user_task(tmp_path, train, test, columns={**COLUMNS, "x": "integer"})
    with pytest.raises(DatasetError, match=r"column 'x' is declared integer but holds .* declare it numerical"):
        load_task_data(task, "quick")


def test_empty_table(tmp_path):
    train, test = frames()
    task = user_task(tmp_path, train.iloc[:0], test)
    with pytest.raises(DatasetError, match=r"the table has no rows"):
        load_task_data(task, "quick")


def test_generator_returning_fewer_rows_or_other_columns():
    train = tiny_table()
    with pytest.raises(ContractError, match=r"generator 'g' sample\(50\) returned 49 rows, expected 50"):
        validate_table_sample(train.take(range(49)), 50, train, "g")
    other = Table(train.frame.rename(columns={"x": "xx"}), {("xx" if c == "x" else c): t for c, t in train.columns.items()}, "label")
    with pytest.raises(ContractError, match=r"returned other columns than its training data \(missing \['x'\]; unexpected \['xx'\]\)"):
        validate_table_sample(other.take(range(50)), 50, train, "g")
    bad = train.take(range(50))
    bad.frame.loc[0, "colour"] = "purple"
    with pytest.raises(ContractError, match=r"categories never seen in training in column 'colour'"):
        validate_table_sample(bad, 50, train, "g")
    with pytest.raises(ContractError, match=r"returned DataFrame, expected a synthbench.table.Table"):
        validate_table_sample(train.frame.iloc[:50], 50, train, "g")


# -- generators, models, metrics ---------------------------------------------------------------------

@pytest.mark.parametrize("name,params", [("gaussian-copula", {}), ("ctgan", {"epochs": 1}), ("tvae", {"epochs": 1}),
                                         ("copula-gan", {"epochs": 1}), ("marginals", {}), ("smote", {}), ("real", {})])
def test_table_generators_meet_the_contract(name, params):
    from synthbench.registry import generators
    from synthbench.testing import check_generator

    assert check_generator(generators.get(name)(**params), tiny_table()) == [
        "init_stores_params", "fit_returns_self", "sample_kind", "sample_labels", "seeded"]


def test_sdv_sampling_follows_the_run_seed():
    from synthbench.generators.sdv import GaussianCopula

    a = GaussianCopula(random_state=1).fit(tiny_table()).sample(30).frame
    b = GaussianCopula(random_state=2).fit(tiny_table()).sample(30).frame
    assert not a.equals(b)  # SDV alone would sample both with its one fixed seed


@pytest.mark.parametrize("name", ["CTGAN", "TVAE"])
def test_sdv_neural_fit_reports_epochs_as_they_finish(monkeypatch, name):
    from synthbench.generators import sdv

    monkeypatch.setattr(sdv, "WATCH_SECONDS", 0.005)
    seen = []
    gen = getattr(sdv, name)(epochs=15, batch_size=20, random_state=0)
    gen.fit(tiny_table(200), callback=seen.append)
    steps = [u["step"] for u in seen]
    assert all(u["total"] == 15 for u in seen)
    assert steps == sorted(steps) and steps[-1] == 15
    assert len(steps) > 2  # epochs were reported during the fit, not only at its end


def test_smote_refuses_regression():
    from synthbench.generators.table_baselines import SMOTESampler

    t = tiny_table()
    reg = Table(t.frame, {**t.columns, "label": "categorical"}, "x")
    with pytest.raises(ConfigError, match="smote interpolates within classes: target 'x' is numerical"):
        SMOTESampler().fit(reg)


def test_smote_keeps_class_counts_and_types():
    from synthbench.generators.table_baselines import SMOTESampler

    t = tiny_table(200)
    s = SMOTESampler(random_state=0).fit(t).sample(400)
    assert (s.y.value_counts() == t.y.value_counts() * 2).all()
    assert s.frame["count"].dtype.kind == "i" and set(s.frame["colour"]) <= set(t.frame["colour"])


def test_dcr_matches_sdmetrics_and_catches_copies():
    from sdmetrics.single_table.privacy.dcr_utils import calculate_dcr

    from synthbench.metrics.privacy import DCREncoder, privacy_checks

    t = tiny_table(300)
    rows, ref = t.take(range(40)), t.take(range(40, 300))
    theirs = calculate_dcr(rows.frame, ref.frame, t.sdv_metadata_dict()).to_numpy()
    # SDMetrics takes the numeric ranges from its reference argument: encode with the same reference
    assert np.allclose(DCREncoder(ref).dcr(rows, ref), theirs, atol=1e-9)
    train, holdout = t.take(range(150)), t.take(range(150, 300))
    copied = train.take(np.random.default_rng(0).integers(0, 150, 150))
    res = privacy_checks(train, holdout, copied, 150, seed=0)
    assert res["exact_copies"] == 1.0 and res["dcr_share"] > 0.9 and res["mia_auc"] > 0.75
    fresh = tiny_table(150, seed=9)
    res = privacy_checks(train, holdout, fresh, 150, seed=0)
    assert res["exact_copies"] == 0.0 and 0.3 < res["dcr_share"] < 0.7 and 0.35 < res["mia_auc"] < 0.65


def test_fairness_gaps_by_group():
    from synthbench.metrics.fairness import data_bias, model_fairness

    y_true = np.array(["y", "y", "n", "n", "y", "y", "n", "n"])
    y_pred = np.array(["y", "y", "n", "n", "y", "n", "n", "n"])
    group = pd.Series(["a"] * 4 + ["b"] * 4)
    gaps, by_group = model_fairness(y_true, y_pred, group, "y")
    assert gaps["demographic_parity_difference"] == pytest.approx(0.25)  # 2/4 vs 1/4 predicted positive
    assert gaps["equal_opportunity_difference"] == pytest.approx(0.5)  # TPR 1.0 vs 0.5
    assert set(by_group["group"]) == {"a", "b"}
    from fairlearn.metrics import demographic_parity_difference, equal_opportunity_difference

    rng = np.random.default_rng(0)
    yt, yp, gr = rng.choice(["y", "n"], 300), rng.choice(["y", "n"], 300), pd.Series(rng.choice(["a", "b", "c"], 300))
    gaps, _ = model_fairness(yt, yp, gr, "y")
    assert gaps["demographic_parity_difference"] == pytest.approx(demographic_parity_difference(yt == "y", yp == "y", sensitive_features=gr))
    assert gaps["equal_opportunity_difference"] == pytest.approx(equal_opportunity_difference(yt == "y", yp == "y", sensitive_features=gr))
    gap, rates = data_bias(pd.DataFrame({"t": y_true, "g": group}), "t", "g", "y")
    assert gap == pytest.approx(0.0) and rates["a"] == pytest.approx(0.5)


def test_ctgan_paper_suite_scores_every_model():
    from synthbench.downstream import ctgan_suite

    t = tiny_table(400)
    train, test = t.take(range(300)), t.take(range(300, 400))
    scores = ctgan_suite.evaluate(train, test, train, "yes", seed=0)
    assert set(scores) == {"decision_tree", "adaboost", "logistic_regression", "mlp", "mean"}
    assert scores["mean"] == pytest.approx(np.mean([v for k, v in scores.items() if k != "mean"]))
    assert scores["decision_tree"] > 0.6  # the label is learnable from x and colour


def test_tabular_models_predict_one_class_when_trained_on_one():
    from synthbench.downstream.tabular import LogisticModel, XGBoostModel

    t = tiny_table(100)
    one = Table(t.frame.assign(label="yes"), t.columns, "label")
    for cls in (XGBoostModel, LogisticModel):
        m = cls(random_state=0).fit(one, classes=["no", "yes"])
        assert m.degenerate_ and set(m.predict(t.features)) == {"yes"}
        assert m.predict_proba(t.features).shape == (100, 2)


def test_quality_report_is_sdmetrics_score_with_per_column_details():
    import warnings

    from sdmetrics.reports.single_table import QualityReport as SingleTableReport

    from synthbench.metrics.table_fidelity import quality_report

    real, syn = tiny_table(300, 0), tiny_table(300, 1)
    scores, details = quality_report(real, syn)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = SingleTableReport()
        ref.generate(real.frame, syn.frame, real.sdv_metadata_dict(), verbose=False)
    assert scores["quality"] == pytest.approx(ref.get_score(), abs=1e-12)
    assert set(details) == {"Column Shapes", "Column Pair Trends"}
    assert sorted(details["Column Shapes"]["Column"]) == sorted(real.columns)
    assert 0 < scores["quality_column_shapes"] <= 1 and 0 < scores["quality_column_pair_trends"] <= 1
