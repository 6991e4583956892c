"""The numeric engine refuses each layer option it does not evaluate (per-side padding, ceil_mode,
pooling dilation) on its own, naming the layer, and runs the same layer without it."""
from __future__ import annotations

import numpy as np
import pytest

from kronconv.errors import InvalidArgument
from kronconv.numeric.network import forward, init_params
from kronconv.spec import Conv, Pool

REFUSED = [
    ("per-side padding", [Conv(3, in_channels=1, out_channels=1, dims=1, padding=1, padding_hi=2)],
     [Conv(3, in_channels=1, out_channels=1, dims=1, padding=1)]),
    ("ceil_mode", [Pool(2, stride=2, dims=1, ceil_mode=True)], [Pool(2, stride=2, dims=1)]),
    ("pooling dilation", [Pool(2, dims=1, dilation=2)], [Pool(2, dims=1)]),
]


@pytest.mark.parametrize(("what", "bad", "good"), REFUSED, ids=[r[0] for r in REFUSED])
def test_each_unsupported_option_alone_is_refused_naming_the_layer(what, bad, good) -> None:
    x = np.arange(9, dtype=np.float64).reshape(1, 1, 9)
    with pytest.raises(InvalidArgument, match=r"^layer 0: per-side padding, ceil_mode and pooling dilation are not "):
        forward(x, bad, init_params(bad, np.random.default_rng(0)))
    out = forward(x, good, init_params(good, np.random.default_rng(0)))
    assert out.output.shape[:2] == (1, 1)
