"""MLflow keys, documented once. Every run of every generator uses these names, so runs compare
side by side in the MLflow UI and ``synthbench report`` can read them back.

Metrics (``/`` groups them in the UI):

==========================================  ===============================================================
``utility/<regime>/accuracy``               accuracy on the real test split of the downstream model trained
                                            under ``<regime>``: ``real`` (TRTR), ``synthetic`` (TSTR),
                                            ``mixed`` (real + synthetic at the task's stated share)
``utility/<regime>/macro_f1``               macro-averaged F1 on the real test split
``utility/<regime>/class/<k>/accuracy``     per-class accuracy (recall) of class ``k`` (also a table artifact)
``utility/<regime>/best_epoch``             epoch chosen on the validation split (never the test split)
``utility/tstr_over_trtr``                  synthetic accuracy / real accuracy (1.0 = as good as real data)
``fidelity/fid|kid|kid_std|precision|recall``  synthetic vs real test split, domain feature space
``fidelity/reference/<same>``               real training subset vs real test split: what "good" is
``fidelity/samples``                        images per side used for fidelity
``cost/fit_seconds``                        wall time of ``generator.fit``
``cost/sample_seconds``                     wall time of ``generator.sample`` for the synthetic set
``cost/eval_seconds``                       wall time of downstream training and scoring, all regimes
``cost/fidelity_seconds``                   wall time of the fidelity metrics
``cost/total_seconds``                      wall time of the whole run
``cost/peak_rss_mb``                        peak resident memory of the process (MiB)
``cost/fit_peak_rss_mb``                    peak resident memory up to the end of ``generator.fit`` (MiB)
``cost/peak_cuda_mb``                       peak CUDA memory allocated (MiB; 0 on CPU)
``train/<name>``                            generator training curves, one step per epoch (``history_``)
``downstream/<regime>/<name>``              downstream training curves, one step per epoch
==========================================  ===============================================================

Tags: ``synthbench.task``, ``synthbench.generator``, ``synthbench.budget``, ``synthbench.seed``,
``synthbench.status`` (``completed`` / ``failed`` / ``killed``), ``synthbench.error`` (the reason a
run failed), ``synthbench.device``, ``synthbench.version``, ``synthbench.git_commit``.

Params: the resolved configuration flattened (``task.*``, ``generator.*`` hyperparameters,
``downstream.*``, ``budget``, ``seed``, ``device``), ``data.sha256.<file>``, ``version.<package>``.
Artifacts: ``config.json`` (the resolved configuration, whole), ``result.json`` (every metric),
``samples/per_class_grid.png``, ``plots/generator_losses.png``, ``tables/per_class.json``,
``synthetic/synthetic.npz`` (unless ``--no-save-synthetic``).
"""

from __future__ import annotations

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
PEAK_CUDA_MB = "cost/peak_cuda_mb"

TSTR_OVER_TRTR = "utility/tstr_over_trtr"

TAG_TASK = "synthbench.task"
TAG_GENERATOR = "synthbench.generator"
TAG_BUDGET = "synthbench.budget"
TAG_SEED = "synthbench.seed"
TAG_STATUS = "synthbench.status"
TAG_ERROR = "synthbench.error"
TAG_DEVICE = "synthbench.device"
TAG_VERSION = "synthbench.version"
TAG_GIT = "synthbench.git_commit"


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
