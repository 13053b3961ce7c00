"""Resolving a run's configuration before anything runs: every name and value is checked first.

Hyperparameters are resolved in this order (later wins): the generator's ``__init__`` defaults, its
``budgets[budget]``, the task file's ``[budgets.<budget>.generator_params.<generator>]``, then the
user's ``--param name=value``. Names are checked against the ``__init__`` signature and values
against the type of the default.
"""

from __future__ import annotations

import json
import numbers
from dataclasses import dataclass, field

from synthbench import defaults, registry
from synthbench.contract import hyperparameters, modalities, unsupported
from synthbench.constraints import DictOf, OneOf, violation
from synthbench.exceptions import ConfigError, PluginError, UnknownNameError
from synthbench.seeding import derive_seed
from synthbench.tasks import Budget, Task, load_task, parse_task


def parse_param_strings(items) -> dict:
    """``["steps=300", "lr_g=1e-4"]`` -> ``{"steps": "300", "lr_g": "1e-4"}`` (values converted later)."""
    out = {}
    for item in items or ():
        if "=" not in item:
            raise ConfigError(f"--param '{item}' must look like name=value (e.g. --param steps=300)")
        k, v = item.split("=", 1)
        out[k.strip()] = v.strip()
    return out


def coerce(name: str, value, default, owner: str):
    """Convert a CLI string to the type of ``default``; raise a clear ConfigError if it does not fit."""
    if not isinstance(value, str):
        return value
    try:
        if isinstance(default, bool):
            if value.lower() in ("true", "1", "yes"):
                return True
            if value.lower() in ("false", "0", "no"):
                return False
            raise ValueError
        if isinstance(default, int):
            return int(value)
        if isinstance(default, float):
            return float(value)
        if isinstance(default, str):
            return value
        if default is None:
            try:
                return json.loads(value)
            except json.JSONDecodeError:
                return value
        if isinstance(default, (list, tuple, dict)):
            parsed = json.loads(value)
            if not isinstance(parsed, type(default)) and not (isinstance(default, tuple) and isinstance(parsed, list)):
                raise ValueError
            return parsed
    except (ValueError, json.JSONDecodeError):
        kind = type(default).__name__
        example = json.dumps(list(default) if isinstance(default, tuple) else default, separators=(",", ":"))
        raise ConfigError(f"{owner} hyperparameter '{name}' expects {kind} (default {default!r}), got '{value}' - "
                          f"e.g. --param {name}={example}") from None
    return value


def resolve_params(cls, owner: str, layers: list[tuple[str, dict]]) -> dict:
    """The hyperparameters of ``cls``: its ``__init__`` defaults overridden by each ``(source, values)`` layer in
    turn, every name checked against the signature and every value against the class's ``constraints``
    (``synthbench.constraints``); an error names the value's source (``--param``, the task file, ...). Names in one of
    the class's ``alternatives`` groups say one setting two ways (``steps`` or ``epochs``): a layer that sets one
    returns the others to their defaults, so ``--param epochs=5`` is not overridden by a budget's ``steps``."""
    declared = hyperparameters(cls)
    params = dict(declared)
    source = {}
    for where, layer in layers:
        for k, v in layer.items():
            if k not in declared:
                moved = getattr(cls, "renamed", {}).get(k)  # a hyperparameter that was replaced: say by what
                if moved:
                    raise ConfigError(f"{owner} has no hyperparameter '{k}' any more (from {where}) - {moved}")
                raise UnknownNameError(f"hyperparameter of {owner}", k, declared)
            params[k] = coerce(k, v, declared[k], owner)
            source[k] = where
            for group in getattr(cls, "alternatives", ()):  # one setting said two ways: the layer's own word wins
                if k not in group:
                    continue
                both = [name for name in group if name in layer]
                if len(both) > 1:
                    raise ConfigError(f"{owner}: {' and '.join(both)} ({where}) say one setting two ways - give one of "
                                      "them")
                for other in group:
                    if other != k and other in declared:
                        params[other] = declared[other]
                        source.pop(other, None)
    for k, constraint in getattr(cls, "constraints", {}).items():
        if k not in declared:
            raise PluginError(f"{owner} declares a constraint on '{k}', which is not a hyperparameter of its __init__ "
                              f"({', '.join(declared)}) - fix its `constraints`")
        problem = violation(k, params[k], constraint, declared[k])
        if problem:
            given = f" (from {source[k]})" if k in source else " (its default)"
            raise ConfigError(f"{owner} hyperparameter '{k}' {problem}{given} - "
                              + (f"pass e.g. --param {k}={_example(constraint, declared[k])}" if k in source
                                 else "the plug-in's default breaks its own constraint; report it to its authors"))
    return params


def _example(constraint, default) -> str:
    """A value the user could pass instead: the default when it is allowed, else the nearest allowed bound."""
    if constraint.allows(default):
        return str(default) if not isinstance(default, (list, tuple, dict)) else json.dumps(default, separators=(",", ":"))
    if isinstance(constraint, DictOf):
        return json.dumps({"<name>": _example(constraint.values, None)}, separators=(",", ":"))
    if isinstance(constraint, OneOf):
        return str(constraint.values[0])
    return str(constraint.low if getattr(constraint, "low", None) is not None else "?")


@dataclass(frozen=True)
class RunConfig:
    """Everything a run needs, resolved and checked before it starts; ``to_dict()`` is its record."""

    task: Task
    generator: str
    generator_cls: type
    generator_params: dict
    model: str
    model_cls: type
    model_params: dict
    budget: str  # its name
    budget_spec: Budget  # what it means for this task
    seed: int
    device: str
    save_synthetic: bool = True
    conditioning: str = "native"  # native | per-class (one model per class, see generators.per_class) | none | joint (tables)
    extra: dict = field(default_factory=dict)
    extra_models: dict = field(default_factory=dict)  # name -> (class, params): further downstream models (tables)
    reproduces: dict = field(default_factory=dict)  # a rerun (--from-run): {"run_id": ..., "sha256": the data it read}
    augment: tuple = ()  # multiples k: an "augmented_<k>x" regime each - the real training rows plus k x as many synthetic
    train_size: int = 0  # --train-size: the real training rows (0: the task's and budget's own); in budget_spec too

    @property
    def run_name(self) -> str:
        """The run's name in MLflow: generator, task, budget, the real training size where one was asked, seed."""
        size = f"-n{self.train_size}" if self.train_size else ""
        return f"{self.generator}-{self.task.name}-{self.budget}{size}-s{self.seed}"

    def build_generator(self):
        """The generator object this configuration describes (unconditional ones wrapped in ``PerClass``)."""
        gen = self.generator_cls(**self.generator_params)
        if self.conditioning == "per-class":
            from synthbench.generators.per_class import PerClass

            gen = PerClass(gen, random_state=self.seed)
        return gen

    def to_dict(self) -> dict:
        return {
            "task": {"name": self.task.name, "version": self.task.version, "path": self.task.path,
                     "definition": self.task.to_dict()},
            "generator": {"name": self.generator, "class": f"{self.generator_cls.__module__}.{self.generator_cls.__qualname__}",
                          "params": self.generator_params},
            "downstream": {"model": self.model, "params": self.model_params,
                           "models": {k: p for k, (_, p) in self.extra_models.items()}},
            "budget": self.budget,
            "seed": self.seed,
            "device": self.device,
            "save_synthetic": self.save_synthetic,
            "conditioning": self.conditioning,
            **({"reproduces": self.reproduces["run_id"]} if self.reproduces else {}),
            **({"augment": list(self.augment)} if self.augment else {}),
            **({"train_size": self.train_size} if self.train_size else {}),
            **self.extra,
        }


def resolve(task: str | Task, generator: str, budget: str = defaults.DEFAULT_BUDGET, seed: int = defaults.DEFAULT_SEED,
            device: str = defaults.DEFAULT_DEVICE, params: dict | None = None, tasks_dir=None,
            save_synthetic: bool = True, per_class: bool | None = None, train_size: int | None = None,
            augment=(), regimes=None) -> RunConfig:
    """Check and resolve everything a run needs. ``per_class``: train an unconditional generator once per
    class so its samples are labelled (default for unconditional generators); ``False`` keeps one model, and
    the regimes that need labelled synthetic data are recorded as not applicable. ``train_size``: a stratified
    subset of that many training rows is all the generator and every downstream regime see (it wins over the task's
    and the budget's ``train_size``; 0 or None: theirs). ``augment``: multiples k, each adding a regime trained on the
    real training rows plus k times as many synthetic rows. ``regimes``: the task's fixed regimes to train (a subset of
    real, synthetic, mixed; None: the task's ``[regimes].run``) - recorded in the run's task definition."""
    from synthbench.torch_utils import resolve_device

    if budget not in defaults.BUDGETS:
        raise UnknownNameError("budget", budget, defaults.BUDGETS)
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or not 0 <= seed <= defaults.MAX_SEED:
        raise ConfigError(f"--seed must be an integer in [0, {defaults.MAX_SEED}] (NumPy's seed range), got {seed!r} - "
                          "e.g. --seed 0")
    task_obj = task if isinstance(task, Task) else load_task(task, tasks_dir)
    if regimes is not None:
        task_obj = _with_regimes(task_obj, regimes)
    if train_size is not None:
        if isinstance(train_size, bool) or not isinstance(train_size, numbers.Integral) or train_size < 0:
            raise ConfigError(f"--train-size must be a number of training rows (1 or more; 0: the task's own), got "
                              f"{train_size!r} - e.g. --train-size 1000")
    augment = tuple(augment or ())
    for k in augment:
        if isinstance(k, bool) or not isinstance(k, numbers.Integral) or k < 1:
            raise ConfigError(f"--augment multiples must be whole numbers of 1 or more (k synthetic rows per real row), "
                              f"got {k!r} - e.g. --augment 1,4,10")
    if len(set(augment)) != len(augment):
        raise ConfigError(f"--augment lists a multiple twice ({', '.join(map(str, augment))}) - each multiple once")
    b = task_obj.budget(budget)
    if train_size:  # the budget this run uses, with the size asked for (the task's definition stays as written)
        import dataclasses

        b = dataclasses.replace(b, train_size=int(train_size))
        if task_obj.data.subset_seed < 0:  # which N rows: one draw per run seed (a task may fix its own)
            data = dataclasses.replace(task_obj.data, subset_seed=derive_seed(int(seed), "train subset"))
            task_obj = dataclasses.replace(task_obj, data=data)
    modality = registry.modalities.get(task_obj.modality)
    if augment:
        import inspect

        if "n" not in inspect.signature(modality.sample).parameters:
            raise ConfigError(f"--augment needs the '{task_obj.modality}' modality to sample a given number of rows "
                              "(Modality.sample(ctx, generator, n, step)); this one cannot - update the plug-in or drop --augment")
    gen_cls = registry.generators.get(generator)
    why = unsupported(gen_cls, task_obj)
    if why:
        raise ConfigError(f"generator '{generator}' cannot run on task '{task_obj.name}': {why} - pick a generator for "
                          f"{task_obj.data.problem} on {task_obj.modality} data (see `synthbench list`)")
    dev = resolve_device(device)
    declared = hyperparameters(gen_cls)
    layers = [(f"the generator's '{budget}' budget", getattr(gen_cls, "budgets", {}).get(budget, {})),
              (f"{task_obj.path or task_obj.name}: [budgets.{budget}.generator_params]", b.generator_params.get(generator, {})),
              ("--param", params or {})]
    gen_params = resolve_params(gen_cls, f"generator '{generator}'", layers)
    if "random_state" in declared:
        gen_params["random_state"] = seed
    if "device" in declared:
        gen_params["device"] = dev
    conditioning = modality.conditioning(gen_cls, gen_cls(**gen_params), per_class)
    models = {}
    for i, name in enumerate((task_obj.downstream.model, *task_obj.downstream.models)):
        cls = registry.models.get(name)
        if task_obj.modality not in modalities(cls):
            fits = [m for m in registry.models.names() if task_obj.modality in modalities(registry.models.get(m))]
            raise ConfigError(f"task '{task_obj.name}' names downstream model '{name}', which handles "
                              f"{', '.join(modalities(cls))} data, not {task_obj.modality} - use one of {', '.join(fits)} "
                              "in [downstream]")
        layers = [(f"{task_obj.path or task_obj.name}: [downstream]",
                   task_obj.downstream.params if i == 0 else task_obj.downstream.model_params.get(name, {})),
                  (f"the '{budget}' budget", modality.downstream_params(b))]
        mp = resolve_params(cls, f"downstream model '{name}'", layers)
        if "device" in mp:
            mp["device"] = dev
        models[name] = (cls, mp)
    model_cls, model_params = models[task_obj.downstream.model]
    return RunConfig(task_obj, generator, gen_cls, gen_params, task_obj.downstream.model, model_cls, model_params,
                     budget, b, int(seed), dev, save_synthetic, conditioning,
                     extra_models={k: v for k, v in models.items() if k != task_obj.downstream.model},
                     augment=tuple(int(k) for k in sorted(augment)), train_size=int(train_size or 0))


def _with_regimes(task: Task, regimes) -> Task:
    """The task with ``[regimes].run`` set to ``regimes`` (checked: known, each once, at least one)."""
    import dataclasses

    from synthbench.tasks.schema import REGIMES

    regimes = tuple(regimes)
    bad = [r for r in regimes if r not in REGIMES]
    if bad or not regimes or len(set(regimes)) != len(regimes):
        why = (f"{bad[0]!r} is not one" if bad else "none given" if not regimes else "one is named twice")
        raise ConfigError(f"--regimes names the regimes to train, each once, out of {', '.join(REGIMES)} ({why}) - e.g. "
                          "--regimes real,synthetic (TSTR / TRTR needs both; augmented regimes come from --augment)")
    return dataclasses.replace(task, regimes=dataclasses.replace(task.regimes, run=regimes))


def _before_subset_seed(task: Task, definition: dict, config: dict, run_id: str) -> Task:
    """A run recorded before ``[data].subset_seed`` existed: its --train-size subset was seeded by the validation
    carve-out's seed + 1 (so set that), and an image run's CNN then trained on its set repeated by a rounded count,
    which this version no longer does (refused: it could not be repeated exactly)."""
    import dataclasses

    from synthbench.data.splits import validation_seed

    if "subset_seed" in definition.get("data", {}) or not (config.get("train_size") or config.get("augment")):
        return task
    if task.modality == "image":
        raise ConfigError(f"run {run_id or '?'} is an image run with --train-size or --augment recorded before synthbench "
                          "gave every regime the same CNN steps (rows_per_epoch), which this version cannot repeat "
                          "exactly - repeat it with the synthbench version in its record, or start a new run")
    return dataclasses.replace(task, data=dataclasses.replace(task.data, subset_seed=validation_seed(task.data) + 1))


def resolve_recorded(config: dict, run_id: str = "") -> RunConfig:
    """The configuration a run recorded (its ``config.json``), resolved again: the same task definition (as
    recorded, not as the task file reads today), generator and hyperparameters, downstream models, budget,
    seed, device and conditioning. The pipeline then refuses data whose checksums differ from the record's."""
    if "epochs" in config.get("generator", {}).get("params", {}) and "steps" in hyperparameters(
            registry.generators.get(config["generator"].get("name", ""))):
        raise ConfigError(f"run {run_id or '?'} was recorded with a GAN budget in epochs (synthbench before budgets "
                          "were generator steps), which this version cannot repeat exactly - repeat it with the "
                          "synthbench version in its record, or start a new run with --param steps=N")
    try:
        definition = dict(config["task"]["definition"])
        path = definition.pop("path", "") or "<recorded task>"
        task = _before_subset_seed(parse_task(definition, path), definition, config, run_id)
        gen = config["generator"]
        conditioning = config.get("conditioning", "native")
        cfg = resolve(task, gen["name"], config["budget"], int(config["seed"]), config["device"], dict(gen["params"]),
                      save_synthetic=bool(config.get("save_synthetic", True)),
                      per_class={"none": False, "per-class": True}.get(conditioning), augment=config.get("augment", ()),
                      train_size=config.get("train_size"))
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"run {run_id or '?'} has no complete synthbench configuration (config.json: {exc!r}) - "
                          "it was not recorded by this synthbench version, or not by synthbench") from exc
    import dataclasses

    return dataclasses.replace(cfg, reproduces={"run_id": run_id, "sha256": dict(config.get("data", {}).get("sha256", {}))})
