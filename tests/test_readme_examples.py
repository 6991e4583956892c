"""Every command shown in README.md (and the docs examples that state a result) runs as stated.

Each ``kronconv ...`` line of the README's bash blocks must have an entry in :data:`README` with its
exit status and a check of its output; a README example without one fails the test, so the README
cannot promise what the CLI does not do.  The Python block's ``# value`` comments are evaluated too.
"""

from __future__ import annotations

import glob
import json
import re
import shlex
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from kronconv.cli import main

ROOT = Path(__file__).resolve().parents[1]

Check = Callable[[str], bool]


def has(*fragments: str) -> Check:
    return lambda out: all(f in out for f in fragments)


def js(pred: Callable[[dict], bool]) -> Check:
    return lambda out: pred(json.loads(out))


def last_line_not_qed(out: str) -> bool:
    lines = [x for x in out.strip().splitlines() if x.strip()]
    return "Q.E.D." not in lines[-1] and "REFUTED" in lines[0] + lines[2] and "REFUTED" in lines[-1]


#: README command -> (exit status, check of standard output).
README: dict[str, tuple[int, Check]] = {
    "kronconv rf --preset yu-koltun-basic": (0, has("receptive field 67")),
    "kronconv rf --kernel 3 --dilations 1,2,4 --format json": (0, js(lambda d: d["receptive_field"] == 15)),
    "kronconv rf --list-presets": (0, has("yu-koltun-basic", "kronecker")),
    "kronconv rf docs/examples/vgg16.toml --input-size 224": (0, has("receptive field 212")),
    "kronconv formula rf --kernel 3 --dilation '2**l' --layers L --format latex": (0, has("r = 2^{L + 1} - 1")),
    "kronconv formula rf --kernel a --dilation 'a**l' --format json": (0, js(lambda d: d["expression"] == "a**L")),
    "kronconv formula layers-for --rf R --kernel 3 --dilation '2**l'": (0, has("ceiling", "log(R + 1)", "- 1")),
    "kronconv formula compare --extents 3,9,27,81 --factor 3": (0, has("6561", "36")),
    "kronconv prove --layers 3 --format json --out cert.json && kronconv verify cert.json": (0, has("ok: cert.json")),
    "kronconv prove --layers 3 --dilation-base 2": (1, last_line_not_qed),
    "kronconv prove --layers 2 --channels 2 --theorem channel-sum": (0, has("Verdict: PROVED", "Q.E.D.")),
    "kronconv verify proofs/*.json": (0, has("ok: proofs/cascade-2d-L3.json")),
    "kronconv prove --theorem hole-free-bound --kernel 3 --layers 4 --max-rf 'k**L + 1'":
        (1, has("The stated maximum 82 exceeds k^L = 81")),
    "kronconv prove --theorem qtt-rank --kernel-file docs/examples/kernel-27x27.npy --kernel 3 --channels 2":
        (0, has("exact ranks of the 2 unfolding(s) of the padded kernel are [2, 2]", "Q.E.D.")),
    "kronconv graph --kernel 3 --dilations 2,2,2 --dims 1": (1, has("holes")),
    "kronconv graph docs/examples/aspp-head.toml --format json":
        (1, js(lambda d: d["aligned"] is True and d["ok"] is False and d["holes"] > 0)),
    "kronconv check equivalence --layers 3 --kernel 3": (0, has("equivalence check: HOLDS")),
    "kronconv check equivariance --arch pooling --layers 2":
        (1, has("FAILS - not equivariant", "as predicted", "multiples of 4x4", "equivariant for shifts 4,4; 8,8")),
    "kronconv check equivariance docs/examples/resnet-block.toml --shifts 1:2 --expect predicted":
        (0, has("NOT equivariant at shift(s) 0,1; 1,0 - as predicted (lattice 2x2)", "conv1 (conv): stride [2, 2]")),
    "kronconv docs --out docs --proofs proofs": (0, lambda out: True),
    "kronconv design --rf 100 --kernel 3 --top 5":
        (0, has("fewest layers: 5", "1,3,9,27,81  243x243", "P1:", "P4:")),
    "kronconv design --kernel 2 --dims 1 --include '1,2,4,...,512 x3' --format json":
        (0, js(lambda d: d["includes"][0]["layers"] == 30 and d["includes"][0]["receptive_field"] == [3070]
               and d["includes"][0]["hole_free"] is True and d["includes"][0]["hdc_agrees_with_holes"] is False)),
    "kronconv design --kernel 3 --repair 6,12,18": (0, has("nearest hole-free: 2 changed layer(s)", "1,2,6", "1,3,6")),
    "kronconv rf docs/examples/dilated-context.onnx":
        (0, has("conv2", "receptive field 15, effective stride 1", "27 parameters")),
    "kronconv graph --torch docs/examples/torch_nets.py:context --input-shape 1,1,64,64":
        (0, has("receptive field              67x67", "holes                        0 of 4489")),
    "kronconv ranks docs/examples/kernel-27x27.npy --kernel 3": (0, has("ranks [2, 2]", "C = 2")),
    "kronconv fit docs/examples/kernel-27x27.npy --kernel 3 --layers 3 --channels 2 --out cascade.npz --format json":
        (0, js(lambda d: d["exact"] is True and d["ranks"] == [2, 2] and d["relative_error"] == 0.0
               and d["parameters"] == {"cascade": 72, "dense": 729})),
    "kronconv fit docs/examples/kernel-27x27.npy --kernel 3 --layers 4 --channels 2 --dilation-base 2":
        (0, has("exact                                  no", "no optimality claim")),
}

#: Commands shown in docs pages with a stated result: (page, command) -> (exit status, check of stdout+stderr).
DOCS: dict[tuple[str, str], tuple[int, Check]] = {
    ("docs/graph-specs.md", "kronconv graph --kernel 3 --dilations 2,2,2 --dims 1"): (1, has("holes")),
    ("docs/graph-specs.md", "kronconv graph --preset yu-koltun-basic --format json"): (0, js(lambda d: d["ok"])),
    ("docs/reports/prove-scaling.md", "kronconv prove --layers 7"):
        (2, has("needs 4782969 terms, above the limit MAX_TERMS = 1048576 (2-D a=3 allows L <= 6)")),
    ("docs/index.md", "kronconv verify proofs/cascade-2d-L3.json"): (0, has("ok: proofs/cascade-2d-L3.json")),
}


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    cmds = []
    for block in re.findall(r"```bash\n(.*?)```", text, re.DOTALL):
        for line in block.splitlines():
            if line.startswith("kronconv "):
                cmds.append(re.split(r"\s{2,}#", line)[0].strip())
    return cmds


def workdir(tmp_path: Path) -> Path:
    """A scratch directory with the shipped examples and certificates (written outputs stay in it)."""
    (tmp_path / "docs").mkdir()
    shutil.copytree(ROOT / "docs" / "examples", tmp_path / "docs" / "examples")
    shutil.copytree(ROOT / "proofs", tmp_path / "proofs")
    return tmp_path


def run_line(line: str, cwd: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
             ) -> tuple[int, str]:
    """Run ``a && b`` in-process like a shell would (globs expanded); returns the last status and all output."""
    monkeypatch.chdir(cwd)
    out, code = "", 0
    for part in line.split("&&"):
        argv = []
        for raw, word in zip(part.split(), shlex.split(part)):  # quoted words are not globbed, as in bash
            matches = sorted(glob.glob(word)) if raw == word and any(c in word for c in "*?[") else []
            argv += matches or [word]
        assert argv[0] == "kronconv"
        try:
            code = main(argv[1:])
        except SystemExit as exc:  # argparse errors
            code = int(exc.code or 0)
        o, e = capsys.readouterr()
        out += o + e
        if code != 0:
            break
    return code, out


def test_every_readme_command_has_a_stated_result() -> None:
    cmds = readme_commands()
    assert cmds and set(cmds) == set(README), set(cmds) ^ set(README)


@pytest.mark.parametrize("line", list(README))
def test_readme_command_exits_and_prints_as_stated(line: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    if line.startswith("kronconv docs"):
        pytest.importorskip("matplotlib", reason="kronconv docs draws figures with matplotlib")
    if ".onnx" in line:
        pytest.importorskip("onnx", reason="reading .onnx models needs the onnx extra (pip install 'kronconv[onnx]')")
    if "--torch" in line:
        pytest.importorskip("torch", reason="--torch models need the torch extra (pip install 'kronconv[torch]')")
    status, check = README[line]
    code, out = run_line(line, workdir(tmp_path), monkeypatch, capsys)
    assert code == status, (line, out[-2000:])
    assert check(out if not out.lstrip().startswith("{") else out[:out.rindex("}") + 1]), (line, out[-2000:])


@pytest.mark.parametrize("page,line", list(DOCS))
def test_docs_command_exits_and_prints_as_stated(page: str, line: str, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert line in (ROOT / page).read_text(encoding="utf-8"), f"{page} no longer shows {line!r}"
    status, check = DOCS[(page, line)]
    code, out = run_line(line, workdir(tmp_path), monkeypatch, capsys)
    assert code == status, (line, out[-2000:])
    assert check(out), (line, out[-2000:])


def test_readme_python_example_values_are_true() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```python\n(.*?)```", text, re.DOTALL)
    assert block is not None
    env: dict = {}
    checked = 0
    for line in block.group(1).splitlines():
        code, _, comment = line.partition("  # ")
        if not comment:
            exec(code, env)  # noqa: S102 - the README's own example
            continue
        value = eval(code, env)
        comment = comment.strip()
        if comment[:1].isdigit() or comment[:1] == "[":
            assert str(value) == comment, (code, value)
            checked += 1
        else:  # a description: the call must give the Kronecker product it names
            assert isinstance(value, np.ndarray) and value.shape == (9,)
            assert (value == np.kron([1, 0, 1], np.ones(3))).all()
    assert checked >= 3
