"""Example PyTorch models for ``kronconv rf|graph --torch docs/examples/torch_nets.py:NAME``.

``context`` is Yu & Koltun's basic context module with one channel: 3x3 convolutions with
dilations 1, 1, 2, 4, 8, 16, 1, each followed by ReLU, then a 1x1 convolution (receptive
field 67).
"""

from __future__ import annotations

import torch
from torch import nn


def context(channels: int = 1) -> nn.Module:
    """The basic context module (Yu & Koltun 2015, Table 1) with ``channels`` channels."""
    layers: list[nn.Module] = []
    for d in (1, 1, 2, 4, 8, 16, 1):
        layers += [nn.Conv2d(channels, channels, 3, dilation=d, padding=d), nn.ReLU()]
    layers.append(nn.Conv2d(channels, channels, 1))
    torch.manual_seed(0)
    return nn.Sequential(*layers)
