"""Receptive fields of real architectures: kronconv's import beside the autograd ground truth.

Regenerates ``docs/reports/real-models.md``::

    PYTHONPATH=. python benchmarks/real_models.py --out docs/reports/real-models.md

For every network of ``benchmarks/architectures.py`` (written from torchvision's layer lists):

* kronconv: ``kronconv.importers.read_torch`` on the published network (width 1) at 224 x 224 (WaveNet:
  4096 samples) -- receptive field of an output unit (or "whole input" and the field through the other
  paths), effective stride, effective padding, output size, parameters -- and ``kronconv.graph.analyse``
  (holes, the largest path count's bit length and the integer type it needed, time);
* ground truth: the support of the input gradient of output units (summed over their channels) (torch autograd, float64) in a probe
  copy -- channels divided by ``width`` (kernels, strides, paddings and branches unchanged), identity
  nonlinearities, average instead of max pooling, weights ``1 / fan-in`` over channels, zero biases -- at
  an input large enough for the centre unit's field to lie inside it; the unit whose field is centred in
  the input and its neighbour along the last axis are compared exactly with kronconv's field of the same units on the probe's own
  import. For networks with image pooling the probe is run twice: as published (the support must be the
  whole input) and with the pooling branch removed (the field through the other paths).
"""

from __future__ import annotations

import argparse
import datetime
import math
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from architectures import ARCHITECTURES

from kronconv.graph import analyse
from kronconv.importers import read_torch
from kronconv.netgraph import net_fields

#: name -> (channel divisor of the probe, input size of the probe or None for automatic)
PROBE = {"DenseNet-121": 16, "DeepLabv3 OS8": 16, "DeepLabv3 OS16": 16, "ResNet-50": 8, "ASPP head": 16,
         "WaveNet": 8, "GoogLeNet": 8, "MobileNetV2": 4}
POOLING = ("DeepLabv3 OS8", "DeepLabv3 OS16", "ASPP head")


def _positive(module: torch.nn.Module) -> torch.nn.Module:
    for m in module.modules():
        if isinstance(m, (torch.nn.Conv1d, torch.nn.Conv2d, torch.nn.Conv3d)):
            torch.nn.init.constant_(m.weight, 1.0 / (m.in_channels // m.groups))
            if m.bias is not None:
                torch.nn.init.zeros_(m.bias)
    return module.double().eval()


def _support(probe: torch.nn.Module, shape: tuple[int, ...], unit: tuple[int, ...]) -> list[tuple[int, int]]:
    x = torch.ones(shape, dtype=torch.float64, requires_grad=True)  # positive: WaveNet's gates multiply
    y = probe(x)
    y[(0, slice(None)) + unit].sum().backward()  # every channel of the unit: the field is spatial
    mask = (x.grad[0].abs().sum(0) > 0).numpy()
    idx = np.nonzero(mask)
    return [(int(i.min()), int(i.max())) for i in idx]


def _kron_interval(g, unit: tuple[int, ...]) -> list[tuple[int, int]]:
    f = net_fields(g, unit=list(unit)).fields[0]
    return [(-p, -p + r - 1) for p, r in zip(f.output_padding, f.output_receptive_field)]


def _fmt(v) -> str:
    v = list(v) if isinstance(v, (list, tuple)) else [v]
    return str(v[0]) if len(set(map(str, v))) == 1 else "x".join(map(str, v))


def measure(name: str) -> dict:
    build, cin, dims, scope = ARCHITECTURES[name]
    row: dict = {"name": name, "scope": scope}
    small = (1, cin) + ((224,) * 2 if dims == 2 else (4096,))
    if name == "ASPP head":
        small = (1, cin, 28, 28)
    align = "end" if name == "WaveNet" else "centre"
    t = time.perf_counter()
    imp = read_torch(build(), small, align=align)
    row["import_s"] = time.perf_counter() - t
    g = imp.graph
    rep = net_fields(g)
    row["nodes"] = len(g.nodes)
    row["params"] = sum(n.layer.weight_count + n.layer.bias_count for n in g.nodes if n.layer is not None)
    row["rf"] = _fmt(rep.receptive_field)
    row["whole"] = rep.whole_input
    row["stride"] = _fmt(rep.effective_stride)
    row["padding"] = _fmt(rep.effective_padding)
    row["aligned"] = rep.aligned
    row["misaligned"] = [m.describe() for m in rep.misalignments][:2]
    row["small"] = "x".join(map(str, small[2:]))
    row["out_size"] = _fmt(imp.sizes[g.output])
    t = time.perf_counter()
    grep = analyse(g, check_numeric=False, keep_levels=False)
    row["graph_s"] = time.perf_counter() - t
    s = grep.summary
    row["holes"] = s.holes
    row["graph_rf"] = _fmt(s.receptive_field)
    row["bits"] = int(s.max_paths).bit_length()
    row["dtype"] = "Python int" if grep.unit_graph.input.counts.dtype == object else "int64"
    row["graph_notes"] = grep.notes
    # ---- ground truth on the probe
    width = PROBE.get(name, 1)
    rf = max(rep.receptive_field)
    stride = max(math.ceil(float(v)) for v in rep.effective_stride)
    n = int(math.ceil((rf + 4 * stride + 16) / 32.0) * 32)
    pin = cin if name not in ("ASPP head",) else cin // width
    shape = (1, pin) + (n,) * dims
    checks = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        variants = [("published", {})] + ([("no image pooling", {"pooling": False})] if name in POOLING else [])
        for label, kw in variants:
            probe = _positive(build(width=width, probe=True, **kw))
            pimp = read_torch(build(width=width, probe=False, **kw), shape, align=align)
            pg = pimp.graph
            out = pimp.sizes[pg.output]
            # the unit whose field is centred in the input (the last units for a causal network)
            lo0 = _kron_interval(pg, (0,) * dims)
            steps = net_fields(pg).effective_stride
            centre = tuple(min(max(round((n / 2 - (a + b) / 2) / float(st)), 0), o - 2)
                           for (a, b), st, o in zip(lo0, steps, out))
            nxt = centre[:-1] + (centre[-1] + 1,)
            t = time.perf_counter()
            truth = [_support(probe, shape, u) for u in (centre, nxt)]
            kron = [_kron_interval(pg, u) for u in (centre, nxt)]
            prep = net_fields(pg)
            whole = prep.whole_input
            if whole:  # the published network with image pooling: the support must be the whole input
                ok = all(tr == [(0, n - 1)] * dims for tr in truth)
                what = "whole input" if ok else f"support {truth[0]}"
                kr = "whole input"
            else:
                ok = truth == kron
                what = _fmt([b - a + 1 for a, b in truth[0]])
                kr = _fmt([b - a + 1 for a, b in kron[0]])
            dash = "-" if whole else None  # the whole input: no edge or step to compare
            checks.append({"variant": label, "ok": ok, "truth_rf": what, "kron_rf": kr,
                           "truth_left": dash or _fmt([a for a, _ in truth[0]]),
                           "kron_left": dash or _fmt([a for a, _ in kron[0]]),
                           "truth_step": dash or truth[1][-1][0] - truth[0][-1][0],
                           "kron_step": dash or kron[1][-1][0] - kron[0][-1][0],
                           "unit": _fmt(centre), "size": "x".join([str(n)] * dims), "width": width,
                           "grad_s": time.perf_counter() - t})
    row["checks"] = checks
    return row


def render(rows: list[dict], command: str, elapsed: float) -> str:
    when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Real models: receptive fields from an import, against autograd",
        "",
        (f"Generated by `{command}` on {when}; {platform.machine()}, {platform.processor() or 'CPU'}, "
        f"Python {platform.python_version()}, torch {torch.__version__}, NumPy {np.__version__}; "
        f"{torch.get_num_threads()} torch threads; {elapsed:.0f} s in all."),
        "",
        ("The networks are written in `benchmarks/architectures.py` from torchvision's layer lists "
        "(torchvision itself is not needed); each is imported with `kronconv.importers.read_torch` "
        "(torch.fx). Ground truth: the support of the input gradient of an output unit in a probe copy "
        "(same kernels, strides, paddings, dilations and branches; channels divided by the stated "
        "width divisor, which changes no field; identity nonlinearities, average instead of max pooling, "
        "positive weights, float64), compared exactly with kronconv's field of the same output units "
        "(the unit whose field is centred in the input, and its right neighbour) on the probe's own import."),
        "",
        "## kronconv's figures (published widths)",
        "",
        ("| network | scope | nodes | parameters | receptive field | eff. stride | eff. padding | merges "
        "| output size (input) | import |"),
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        rf = f"whole input; other paths {r['rf']}" if r["whole"] else r["rf"]
        lines.append(f"| {r['name']} | {r['scope']} | {r['nodes']} | {r['params']:,} | {rf} | {r['stride']} | "
                     f"{r['padding']} | {'aligned' if r['aligned'] else 'MISALIGNED'} | {r['out_size']} "
                     f"({r['small']}) | {r['import_s']:.1f} s |")
    lines += ["", "## Against autograd", "",
              ("| network | probe (input, width divisor) | variant | output unit | receptive field kronconv / "
              "autograd | left edge kronconv / autograd | step to the next unit kronconv / autograd | agree |"),
              "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        for c in r["checks"]:
            lines.append(f"| {r['name']} | {c['size']}, /{c['width']} | {c['variant']} | {c['unit']} | "
                         f"{c['kron_rf']} / {c['truth_rf']} | {c['kron_left']} / {c['truth_left']} | "
                         f"{c['kron_step']} / {c['truth_step']} | {'yes' if c['ok'] else '**NO**'} |")
    lines += ["", "## Unit-level graph (`kronconv graph`)", "",
              "| network | field analysed | holes | largest path count | counted in | time |", "|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['name']} | {r['graph_rf']} | {r['holes']} | {r['bits']} bits | {r['dtype']} | "
                     f"{r['graph_s']:.1f} s |")
    notes = sorted({n for r in rows for n in r["graph_notes"]})
    if notes:
        lines += ["", "Notes from the graph analysis:", ""] + [f"- {n}" for n in notes]
    lines += [
        "",
        "## Reading the table",
        "",
        ("- ResNet-18 has a 435 x 435 field and torchvision's ResNet-50 (stride in the 3x3 convolution) "
        "427 x 427; GoogLeNet 379 x 379. A tool that treats the modules in execution order as one chain "
        "adds the shortcut convolutions and the parallel inception branches as if they were stacked and "
        "reports far larger fields (torchscan gives 1891 for ResNet and 1019 for GoogLeNet)."),
        ("- Image pooling (DeepLabv3, the ASPP head) makes every output depend on the whole input; "
        "kronconv says so and gives the field through the other paths, which the probe without the "
        "pooling branch confirms."),
        ("- WaveNet is imported with `align=\"end\"`: its causal residual additions compare the ends of "
        "the fields, and are aligned."),
        ("- DeepLabv3's output is bilinearly upsampled (x8 / x16): kronconv's field of an output unit "
         "goes through that resize exactly (`rf`; neighbouring output units share their field, hence the "
         "step 0), and the unit-level graph analyses the map before it."),
        ("- The probes are thinned (width divisor) only to keep the autograd runs small: channels play no "
         "part in a field, and the first table is for the published widths."),
        "",
    ]
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", help="write the Markdown report here (default: standard output)")
    ap.add_argument("--only", nargs="*", help="network names to run (default: all)")
    args = ap.parse_args()
    t0 = time.perf_counter()
    rows = []
    for name in ARCHITECTURES:
        if args.only and name not in args.only:
            continue
        r = measure(name)
        print(f"{name}: rf {r['rf']} whole={r['whole']} checks "
              f"{[(c['variant'], c['ok'], c['kron_rf'], c['truth_rf']) for c in r['checks']]}", file=sys.stderr)
        rows.append(r)
    text = render(rows, "PYTHONPATH=. python benchmarks/real_models.py --out docs/reports/real-models.md",
                  time.perf_counter() - t0)
    if args.out:
        Path(args.out).write_text(text)
    else:
        print(text)
    return 0 if all(c["ok"] for r in rows for c in r["checks"]) else 1


if __name__ == "__main__":
    sys.exit(main())
