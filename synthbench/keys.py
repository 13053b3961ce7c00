"""MLflow keys, documented once. Every run of every generator uses these names, so runs compare
side by side in the MLflow UI and ``synthbench.load_runs`` reads them back (one column per metric key;
``parse`` takes a key apart).

Metrics (``/`` groups them in the UI):

==========================================  ===============================================================
``utility/<regime>/accuracy``               accuracy on the real test split of the downstream model trained
                                            under ``<regime>``: ``real`` (TRTR), ``synthetic`` (TSTR),
                                            ``mixed`` (real + synthetic at the task's stated share)
``utility/<regime>/macro_f1``               macro-averaged F1 on the real test split
``utility/<regime>/class/<k>/accuracy``     per-class accuracy (recall) of class ``k`` (also a table artifact)
``utility/<regime>/best_epoch``             epoch chosen on the validation split (never the test split)
``utility/tstr_over_trtr``                  the task's headline metric (``[metrics].headline``; accuracy for the
                                            image tasks), synthetic / real (1.0 = as good as real data)
``fidelity/fid|kid|kid_std|precision|recall``  synthetic vs real test split, domain feature space
``fidelity/reference/<same>``               real training subset vs real test split: what "good" is
``fidelity/samples``                        images per side used for fidelity
``cost/fit_seconds``                        wall time of ``generator.fit``
``cost/sample_seconds``                     wall time of ``generator.sample`` for the synthetic set
``cost/eval_seconds``                       wall time of downstream training and scoring, all regimes
``cost/fidelity_seconds``                   wall time of the fidelity metrics
``cost/total_seconds``                      wall time of the run, from loading the data to its last metric
                                            (writing the record to MLflow follows)
``cost/peak_rss_mb``                        peak resident memory of the process (MiB)
``cost/fit_peak_rss_mb``                    peak resident memory up to the end of ``generator.fit`` (MiB)
``cost/peak_cuda_mb``                       peak CUDA memory allocated (MiB; absent on CPU, with the reason)
``cost/fit_<name>``                         what the fit made, where a generator reports it (``fit_summary_``):
                                            SDV's neural synthesizers ``cost/fit_epochs`` and ``cost/fit_steps``
``cost/per_class/models``                   unconditional generators trained once per class: how many models
``cost/per_class/<k>/fit_seconds``          ...and the training time of class ``k``'s model
``train/<name>``                            generator training curves (``history_``; at most
                                            ``tracking.CURVE_POINTS`` points each), step = generator step:
                                            ``d_loss``, ``g_loss``, ``d_real`` = D(x), ``d_fake`` = D(G(z))
                                            (probabilities), ``wasserstein`` (WGAN-GP critic's estimate),
                                            ``d_grad_norm``, ``g_grad_norm``, ``seconds``, ``d_adv_loss`` (D's
                                            adversarial loss alone; 2 ln 2 = a D at chance)
``probe/<name>``                            training probes in the domain feature space, step = generator step:
                                            ``fid``, ``reference_fid``, ``floor_fid``, ``label_accuracy``, ``class_coverage``,
                                            ``diversity``, ``diversity_min`` (see ``synthbench.diagnostics``)
``downstream/<regime>/<name>``              downstream training curves, one step per epoch
``sweep/cells|finished|failed|ran_now|wall_seconds``  a sweep's summary, on its parent run (``synthbench sweep``)
==========================================  ===============================================================

Tables (``modality = "table"``) use the same ``utility/``, ``cost/`` and ``train/`` keys (``train/<loss>``:
SDV's per-epoch losses for CTGAN/TVAE/CopulaGAN), plus:

==============================================  ===========================================================
``utility/<regime>/<metric>``                   the task's primary downstream model (``[downstream].model``):
                                                ``accuracy``, ``f1`` (binary: of ``[data].positive``;
                                                multiclass: macro), ``auroc``; regression ``r2``, ``rmse``
``utility/<regime>/<model>/<metric>``           each further model in ``[downstream].models``
``utility/<regime>/ctgan-paper/<model>|mean``   the CTGAN-paper / SDGym evaluator suite: F1 per model and mean
                                                (multiclass: macro-F1; regression: R^2)
``utility/tstr_over_trtr``                      the primary model's headline metric (``[metrics].headline``), synthetic / real
``fidelity/quality``                            SDMetrics QualityReport score; ``fidelity/quality_column_shapes``,
                                                ``fidelity/quality_column_pair_trends`` its two properties
``fidelity/detection``, ``fidelity/detection_auc``  SDMetrics LogisticDetection score and its mean CV ROC AUC
``privacy/dcr_share|dcr_ratio|exact_copies|mia_auc``  empirical privacy checks (``synthbench.metrics.privacy``);
                                                ``privacy/dcr_median_train|dcr_median_holdout``, ``privacy/rows``
``fairness/<regime>/<column>/demographic_parity_difference|equal_opportunity_difference``
                                                the primary model's gaps between groups of a sensitive column
``fairness/data/<column>/real_gap|synthetic_gap``  largest gap in P(target = positive | group), real training
                                                split vs synthetic set (``tables/fairness_data.json`` per group)
``cost/fidelity_seconds``, ``cost/privacy_seconds``  seconds of the quality report + detection, and of the privacy
                                                checks; detection and privacy run in the evaluation worker
                                                (``synthbench.background``), timed there, overlapping
                                                ``cost/eval_seconds``
``cost/eval_worker_peak_rss_mb``                peak resident memory of the evaluation worker process (MiB;
                                                absent without a worker: ``$SYNTHBENCH_EVAL_WORKER=0``,
                                                one core, or a run inside a daemonic process)
==============================================  ===========================================================

Table artifacts: ``tables/fairness_groups.json`` (per regime, column and group: selection and true-positive
rates), ``tables/fairness_data.json``, ``tables/quality_column_shapes.json``,
``tables/quality_column_pair_trends.json``, ``tables/utility.json`` (every model and regime),
``privacy.md`` (what the checks mean and do not mean), ``synthetic/synthetic.csv.gz``.

Tags: ``synthbench.task``, ``synthbench.generator``, ``synthbench.budget``, ``synthbench.seed``,
``synthbench.status`` (``completed`` / ``failed`` / ``killed``), ``synthbench.error`` (the reason a
run failed), ``synthbench.device``, ``synthbench.version``, ``synthbench.git_commit``,
``synthbench.conditioning`` (``native``; ``per-class``: an unconditional generator trained once per
class; ``none``: unconditional, samples unlabelled), ``synthbench.diagnosis`` (``healthy``,
``mode_collapse``, ``diverged``, ``discriminator_wins``, ``oscillating``, ``not_converged``, or
``not_applicable``), and ``synthbench.na.<metric>``: why a metric is absent (also in
``not_applicable.json``) - a metric that does not apply is never logged as zero; ``synthbench.privacy_note``
(tables: what the privacy checks do not prove); ``synthbench.reproduces`` (a rerun: the run it repeats).

Params: the resolved configuration flattened (``task.name|version|modality|headline``, ``generator.*`` hyperparameters,
``downstream.*``, ``budget``, ``seed``, ``device``), ``data.sha256.<file>``, ``data.size.<split>``, ``version.<package>``,
``machine.cores|cpus|arch|cpu|gpu`` (what the costs were measured on: cores used, CPUs, architecture, CPU model, GPU).
Artifacts: ``config.json`` (the resolved configuration, whole), ``result.json`` (every metric),
``samples/per_class_grid.png``, ``plots/generator_losses.png``, ``tables/per_class.json``,
``synthetic/synthetic.npz`` (unless ``--no-save-synthetic``), ``diagnosis.md`` and ``diagnosis.json``
(GANs), ``not_applicable.json``. Images with steps (MLflow's image slider, step = pass over the training data):
``training/fixed_noise`` (one row per class, one latent code per column) and ``training/interpolation``.
"""

from __future__ import annotations

from dataclasses import dataclass

REGIMES = ("real", "synthetic", "mixed")

FID = "fidelity/fid"
KID = "fidelity/kid"
KID_STD = "fidelity/kid_std"
PRECISION = "fidelity/precision"
RECALL = "fidelity/recall"
FIDELITY = (FID, KID, KID_STD, PRECISION, RECALL)

FIT_SECONDS = "cost/fit_seconds"
SAMPLE_SECONDS = "cost/sample_seconds"
EVAL_SECONDS = "cost/eval_seconds"
FIDELITY_SECONDS = "cost/fidelity_seconds"
TOTAL_SECONDS = "cost/total_seconds"
PEAK_RSS_MB = "cost/peak_rss_mb"
FIT_PEAK_RSS_MB = "cost/fit_peak_rss_mb"
FIDELITY_SAMPLES = "fidelity/samples"
PRIVACY_SECONDS = "cost/privacy_seconds"
WORKER_PEAK_RSS_MB = "cost/eval_worker_peak_rss_mb"
PEAK_CUDA_MB = "cost/peak_cuda_mb"

TSTR_OVER_TRTR = "utility/tstr_over_trtr"
# tables: the largest gap between a class's rows in the augmentation pool and its quota, as a share of the pool
AUGMENTATION_CLASS_GAP = "utility/augmentation_class_gap"
PER_CLASS_MODELS = "cost/per_class/models"

TAG_TASK = "synthbench.task"
TAG_GENERATOR = "synthbench.generator"
TAG_BUDGET = "synthbench.budget"
TAG_SEED = "synthbench.seed"
TAG_STATUS = "synthbench.status"
TAG_ERROR = "synthbench.error"
TAG_DEVICE = "synthbench.device"
TAG_VERSION = "synthbench.version"
TAG_GIT = "synthbench.git_commit"
TAG_CONDITIONING = "synthbench.conditioning"
TAG_DIAGNOSIS = "synthbench.diagnosis"
TAG_PRIVACY_NOTE = "synthbench.privacy_note"
TAG_REPRODUCES = "synthbench.reproduces"  # a rerun (--from-run): the run whose configuration it repeats
TAG_NA_PREFIX = "synthbench.na."  # prefix of the not-applicable tags (``na_tag``)
# sweeps (``synthbench.sweep``): a cell's run carries its sweep, its identity and the attempt that made it
TAG_SWEEP = "synthbench.sweep"  # the sweep's name (on its cells and on its parent run)
TAG_CELL = "synthbench.cell"  # the cell's identity: a hash of its resolved configuration and data
TAG_ATTEMPT = "synthbench.attempt"  # one process that ran (or tried to run) the cell
TAG_SWEEP_ROLE = "synthbench.sweep.role"  # "parent" on the run that holds the sweep's configuration and summary
TAG_INTERRUPTED = "synthbench.sweep.interrupted"  # "true": the sweep was stopped while this cell ran; it is run again
TAG_PARENT = "mlflow.parentRunId"  # MLflow's own: the UI nests a sweep's cells under its parent run
TAG_SWEEP_EXECUTOR = "synthbench.sweep.executor"  # on the parent: local or dask
TAG_SWEEP_WORKERS = "synthbench.sweep.workers"  # on the parent: how many cells ran at once
# a sweep's summary, metrics of its parent run
SWEEP_CELLS = "sweep/cells"  # cells in the grid
SWEEP_FINISHED = "sweep/finished"  # cells FINISHED in the store when the sweep ended (this and earlier sweeps)
SWEEP_FAILED = "sweep/failed"  # cells FAILED (or KILLED) in the store when the sweep ended
SWEEP_RAN_NOW = "sweep/ran_now"  # cells this invocation ran (the rest were finished before)
SWEEP_WALL_SECONDS = "sweep/wall_seconds"  # wall time of this invocation


# -- artifacts ---------------------------------------------------------------------------------------------
CONFIG_JSON = "config.json"
RESULT_JSON = "result.json"
SWEEP_JSON = "sweep.json"  # a sweep's configuration, on its parent run
NOT_APPLICABLE_JSON = "not_applicable.json"
DIAGNOSIS_MD = "diagnosis.md"
DIAGNOSIS_JSON = "diagnosis.json"
PRIVACY_MD = "privacy.md"
SAMPLE_GRID = "samples/per_class_grid.png"
REAL_SAMPLE_GRID = "samples/real_per_class_grid.png"
LOSSES_PLOT = "plots/generator_losses.png"
COLUMNS_PLOT = "plots/columns.png"
PER_CLASS_TABLE = "tables/per_class.json"
UTILITY_TABLE = "tables/utility.json"
FAIRNESS_GROUPS_TABLE = "tables/fairness_groups.json"
FAIRNESS_DATA_TABLE = "tables/fairness_data.json"
SYNTHETIC_IMAGES = "synthetic/synthetic.npz"
SYNTHETIC_TABLE = "synthetic/synthetic.csv.gz"


def quality_table(prop: str) -> str:
    """SDMetrics' per-column / per-pair details of a quality property, e.g. ``tables/quality_column_shapes.json``."""
    return f"tables/quality_{prop.lower().replace(' ', '_')}.json"


def probe(name: str) -> str:
    return f"probe/{name}"


PARAMS = "params."  # ``load_runs``: the prefix of the configuration's columns


def param(name: str) -> str:
    """``load_runs``'s column of configuration parameter ``name`` (``params.task.version``)."""
    return PARAMS + name


def augmented_regime(k: int) -> str:
    """The name of the regime that adds ``k`` synthetic rows per real row: ``augmented_4x``."""
    return f"augmented_{k}x"


def augment_multiple(regime: str) -> int | None:
    """``k`` of an ``augmented_<k>x`` regime; None for any other regime."""
    head, _, k = regime.partition("_")
    return int(k[:-1]) if head == "augmented" and k.endswith("x") and k[:-1].isdigit() else None


def regime_metric(key: str) -> tuple[str, str] | None:
    """``(regime, metric)`` of a primary model's utility key (``utility/<regime>/<metric>``); None for any other
    key (further models, per-class scores, TSTR/TRTR, other groups)."""
    try:
        k = parse(key)
    except ValueError:
        return None
    if k.group != "utility" or k.regime is None or k.model is not None or k.metric.startswith("class/"):
        return None
    return k.regime, k.metric


def utility(regime: str, metric: str) -> str:
    return f"utility/{regime}/{metric}"


def per_class(regime: str, k) -> str:
    return f"utility/{regime}/class/{k}/accuracy"


def reference(key: str) -> str:
    """``fidelity/fid`` -> ``fidelity/reference/fid``."""
    return key.replace("fidelity/", "fidelity/reference/", 1)


def train_curve(name: str) -> str:
    return f"train/{name}"


def downstream_curve(regime: str, name: str) -> str:
    return f"downstream/{regime}/{name}"


def fit_summary(name: str) -> str:
    """What a fit made, as a generator reports it in ``fit_summary_``: ``cost/fit_epochs``, ``cost/fit_steps``."""
    return f"cost/fit_{name}"


def per_class_fit_seconds(k) -> str:
    return f"cost/per_class/{k}/fit_seconds"


def na_tag(key: str) -> str:
    """Tag saying why ``key`` was not measured: ``synthbench.na.<key>`` (``*`` becomes ``all``)."""
    return TAG_NA_PREFIX + key.replace("*", "all")


def model_utility(regime: str, model: str, metric: str) -> str:
    return f"utility/{regime}/{model}/{metric}"


def fidelity(name: str) -> str:
    return f"fidelity/{name}"


def privacy(name: str) -> str:
    return f"privacy/{name}"


def fairness(regime: str, column: str, metric: str) -> str:
    return f"fairness/{regime}/{column}/{metric}"


def data_fairness(column: str, data: str) -> str:
    """``data``: ``real`` (the training split) or ``synthetic``."""
    return f"fairness/data/{column}/{data}_gap"


# -- reading keys back ---------------------------------------------------------------------------------
GROUPS = ("utility", "fidelity", "privacy", "fairness", "cost", "train", "probe", "downstream", "sweep")


@dataclass(frozen=True)
class Key:
    """A metric key taken apart: ``group`` (the first part) and, where the key has them, ``regime``,
    ``model`` (a further downstream model or the evaluator suite), ``column`` (fairness), ``metric``."""

    key: str
    group: str
    metric: str
    regime: str | None = None
    model: str | None = None
    column: str | None = None
    reference: bool = False  # fidelity/reference/*: real-vs-real


def parse(key: str) -> Key:
    """Take a metric key apart, e.g. ``utility/synthetic/logreg/f1`` -> regime ``synthetic``, model ``logreg``,
    metric ``f1``; ``fidelity/reference/fid`` -> metric ``fid``, reference. Raises ValueError for a key this
    module does not define."""
    parts = key.split("/")
    group = parts[0]
    if group not in GROUPS or len(parts) < 2:
        raise ValueError(f"{key!r} is not a synthbench metric key (groups: {', '.join(GROUPS)})")
    if group == "utility":
        if len(parts) == 2:  # utility/tstr_over_trtr
            return Key(key, group, parts[1])
        if len(parts) == 5 and parts[2] == "class":  # utility/<regime>/class/<k>/accuracy
            return Key(key, group, f"class/{parts[3]}/{parts[4]}", regime=parts[1])
        if len(parts) == 3:
            return Key(key, group, parts[2], regime=parts[1])
        return Key(key, group, "/".join(parts[3:]), regime=parts[1], model=parts[2])
    if group == "fidelity" and parts[1] == "reference":
        return Key(key, group, "/".join(parts[2:]), reference=True)
    if group == "fairness":
        if parts[1] == "data":  # fairness/data/<column>/<real|synthetic>_gap
            return Key(key, group, "gap", regime=parts[3].rsplit("_gap", 1)[0], column=parts[2])
        return Key(key, group, parts[3], regime=parts[1], column=parts[2])
    if group == "downstream":
        return Key(key, group, "/".join(parts[2:]), regime=parts[1])
    return Key(key, group, "/".join(parts[1:]))
