"""Training the domain feature extractor (``synthbench train-extractor``).

The LeNet-style network is trained on the task's training split (validation carved out, test
untouched); the epoch with the best validation accuracy is kept. Its weights and a JSON card
(SHA-256, the command, accuracy, versions) are written to ``synthbench/extractors/``.
"""

from __future__ import annotations

import copy
import hashlib
import json
from datetime import datetime, timezone
from pathlib import Path


from synthbench.extractors import HERE, build_lenet, lenet_forward
from synthbench.modalities import load_splits
from synthbench.tasks import load_task
from synthbench.torch_utils import to_float_images, torch_generator


def _accuracy(net, split, batch_size=1000) -> float:
    import torch

    net.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(split), batch_size):
            logits = lenet_forward(net, to_float_images(split.images[i:i + batch_size]))["logits"]
            correct += int((logits.argmax(1).numpy() == split.labels[i:i + batch_size]).sum())
    return correct / len(split)


def train(task: str = "mnist", epochs: int = 4, seed: int = 0, name: str | None = None, out_dir=None,
          data_dir=None, batch_size: int = 128, lr: float = 1e-3) -> dict:
    import torch
    import torch.nn.functional as F

    task_obj = load_task(task)
    data = load_splits(task_obj, None, data_dir)
    name = name or f"lenet-{data.dataset}"
    gen = torch_generator(seed)
    torch.manual_seed(seed)
    c, h = data.train.images.shape[1], data.train.images.shape[2]
    net = build_lenet(c, data.train.num_classes, h)
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    x = to_float_images(data.train.images)
    y = torch.from_numpy(data.train.labels)
    best, best_state, best_epoch = -1.0, None, 0
    for epoch in range(1, epochs + 1):
        net.train()
        perm = torch.randperm(len(y), generator=gen)
        for i in range(0, len(y), batch_size):
            idx = perm[i:i + batch_size]
            loss = F.cross_entropy(lenet_forward(net, x[idx])["logits"], y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        acc = _accuracy(net, data.validation)
        if acc > best:
            best, best_state, best_epoch = acc, copy.deepcopy(net.state_dict()), epoch
    net.load_state_dict(best_state)
    out = Path(out_dir) if out_dir else HERE
    out.mkdir(parents=True, exist_ok=True)
    weights = out / f"{name}.pt"
    torch.save(net.state_dict(), weights)
    from importlib.metadata import version

    card = {
        "name": name,
        "architecture": "LeNet-style: conv5x5(32)+pool, conv5x5(64)+pool, fc(128) [feature 'fc1'], fc(classes)",
        "features": {"fc1": 128, "fc1_relu": 128, "logits": data.train.num_classes},
        "default_layer": "fc1",
        "in_channels": int(c), "image_size": int(h), "num_classes": int(data.train.num_classes),
        "task": task_obj.name, "task_version": task_obj.version, "dataset": data.dataset,
        "trained_on": f"{data.dataset} training split without the task's validation split ({len(data.train)} images)",
        "validation_accuracy": best,
        "test_accuracy_for_reference": _accuracy(net, data.test),
        "best_epoch": best_epoch, "epochs": epochs, "seed": seed, "batch_size": batch_size, "lr": lr,
        "command": f"synthbench train-extractor --task {task} --epochs {epochs} --seed {seed}",
        "sha256": hashlib.sha256(weights.read_bytes()).hexdigest(),
        "torch_version": version("torch"),
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "data_sha256": data.checksums,
    }
    (out / f"{name}.json").write_text(json.dumps(card, indent=2) + "\n")
    return card
