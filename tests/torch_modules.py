"""Small PyTorch modules for import tests (import only after ``pytest.importorskip("torch")``)."""

from __future__ import annotations

from typing import Any

import torch


class FnModule(torch.nn.Module):
    """``forward(x) = fn(self, x)`` with the given submodules."""

    def __init__(self, fn: Any, **mods: Any) -> None:
        super().__init__()
        self.fn = fn
        for k, v in mods.items():
            setattr(self, k, v)

    def forward(self, x: Any) -> Any:
        return self.fn(self, x)
