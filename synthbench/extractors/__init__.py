"""Domain feature extractors for image fidelity metrics, registered with torch-fidelity.

torch-fidelity's default InceptionV3 weights are downloaded at run time and were trained on
ImageNet photos; for 28x28 grey digits a LeNet-style network trained on the task's own training
split is the meaningful (and offline) feature space. Weights ship in this folder next to a JSON
card holding their SHA-256, the command that made them and their accuracy.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from synthbench.exceptions import ConfigError, DatasetError, UnknownNameError

HERE = Path(__file__).resolve().parent
FEATURES = ("fc1", "fc1_relu", "logits")
DEFAULT_LAYER = "fc1"
#: An extractor is named, never given as a path: its card and weights are ``HERE/<name>.json|.pt``.
NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")


def check_name(name: str) -> str:
    """``name`` if it is an extractor name (lower-case letters, digits, '-', '_', '.'; no '/' and no '..')."""
    if not isinstance(name, str) or not NAME.match(name) or ".." in name:
        raise ConfigError(f"feature extractor {name!r} is not a name - extractors are named, not given as paths: use "
                          f"one of {', '.join(available()) or '(none)'} (lower-case letters, digits, '-', '_', '.')")
    return name


def card_path(name: str) -> Path:
    return HERE / f"{check_name(name)}.json"


def weights_path(name: str) -> Path:
    return HERE / f"{check_name(name)}.pt"


def available() -> list[str]:
    return sorted(p.stem for p in HERE.glob("*.json") if NAME.match(p.stem) and ".." not in p.stem)


def load_card(name: str) -> dict:
    p = card_path(name)
    if not p.is_file():
        raise UnknownNameError("feature extractor", name, available())
    return json.loads(p.read_text())


def verified_weights(name: str) -> Path:
    """The weights file of ``name`` after checking it against its card's SHA-256."""
    from synthbench.data.catalog import sha256_of

    card = load_card(name)
    w = weights_path(name)
    if not w.is_file():
        raise DatasetError(f"feature extractor weights {w} are missing - reinstall synthbench or run: {card['command']}")
    got = sha256_of(w)
    if got != card["sha256"]:
        raise DatasetError(f"feature extractor weights {w} are corrupt (sha256 {got[:12]}... != {card['sha256'][:12]}...) - run: {card['command']}")
    return w


def build_lenet(in_channels: int = 1, num_classes: int = 10, image_size: int = 28):
    """LeNet-style: conv5x5(32)-pool-conv5x5(64)-pool-fc(128)-fc(classes); returns (trunk, fc1, head)."""
    from torch import nn

    s = ((image_size) // 2 - 4) // 2
    trunk = nn.Sequential(
        nn.Conv2d(in_channels, 32, 5, padding=2), nn.ReLU(inplace=True), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 5), nn.ReLU(inplace=True), nn.MaxPool2d(2), nn.Flatten(),
    )
    return nn.ModuleDict({"trunk": trunk, "fc1": nn.Linear(64 * s * s, 128), "head": nn.Linear(128, num_classes)})


def lenet_forward(net, x):
    """float input in [-1, 1] -> dict of features."""
    import torch.nn.functional as F

    fc1 = net["fc1"](net["trunk"](x))
    relu = F.relu(fc1)
    return {"fc1": fc1, "fc1_relu": relu, "logits": net["head"](relu)}


def make_feature_extractor_class(name: str):
    """A torch-fidelity ``FeatureExtractorBase`` subclass bound to the shipped weights of ``name``."""
    import torch
    from torch_fidelity.feature_extractor_base import FeatureExtractorBase

    card = load_card(name)

    class DomainLeNet(FeatureExtractorBase):
        def __init__(self, name, features_list, feature_extractor_weights_path=None, **kwargs):
            super().__init__(name, features_list)
            self.net = load_network(card["name"], feature_extractor_weights_path)
            self.requires_grad_(False)
            self.eval()

        def forward(self, x):
            if not (torch.is_tensor(x) and x.dtype == torch.uint8 and x.dim() == 4):
                raise ConfigError(f"feature extractor {card['name']} expects uint8 (N, C, H, W) tensors")
            feats = lenet_forward(self.net, x.float().div(127.5).sub(1.0))
            return tuple(feats[f].float() for f in self.features_list)

        @staticmethod
        def get_provided_features_list():
            return FEATURES

        @staticmethod
        def get_default_feature_layer_for_metric(metric):
            return {"isc": "logits", "fid": DEFAULT_LAYER, "kid": DEFAULT_LAYER, "prc": DEFAULT_LAYER}[metric]

        @staticmethod
        def can_be_compiled():
            return False

        @staticmethod
        def get_dummy_input_for_compile():
            return torch.zeros(1, card["in_channels"], card["image_size"], card["image_size"], dtype=torch.uint8)

    DomainLeNet.__name__ = f"DomainLeNet[{name}]"
    return DomainLeNet


def ensure_registered(name: str) -> str:
    """Register ``name`` with torch-fidelity (once per process); return the registered name."""
    from torch_fidelity.registry import FEATURE_EXTRACTORS_REGISTRY, register_feature_extractor

    key = f"synthbench-{name}"
    if key not in FEATURE_EXTRACTORS_REGISTRY:
        register_feature_extractor(key, make_feature_extractor_class(name))
    return key


def load_network(name: str, weights_path=None):
    """The domain network of ``name`` (LeNet with its classifier head) in eval mode, from its verified shipped
    weights (or ``weights_path``): the fidelity extractor and the training probes both use it."""
    import torch

    card = load_card(name)
    net = build_lenet(card["in_channels"], card["num_classes"], card["image_size"])
    net.load_state_dict(torch.load(weights_path or verified_weights(name), map_location="cpu", weights_only=True))
    return net.requires_grad_(False).eval()
