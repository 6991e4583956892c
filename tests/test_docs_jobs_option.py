"""``kronconv docs --jobs``: a bad value gets one line naming it and the accepted range, exit 2."""

from __future__ import annotations

import pytest

from kronconv.cli import main
from kronconv.commands.docs import MAX_JOBS


@pytest.mark.parametrize("value", ["abc", "0", "-1", str(MAX_JOBS + 1), "1.5"])
def test_bad_jobs_value_is_refused_with_the_range(value: str, capsys: pytest.CaptureFixture[str],
                                                  tmp_path) -> None:
    with pytest.raises(SystemExit) as exit_info:  # argparse refuses the value before the command runs
        main(["docs", "--check", "--jobs", value, "--out", str(tmp_path / "d"), "--proofs", str(tmp_path / "p")])
    out, err = capsys.readouterr()
    assert exit_info.value.code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert f"[1, {MAX_JOBS}]" in err and value in err
    assert not (tmp_path / "d").exists() and not (tmp_path / "p").exists()


def test_largest_jobs_value_is_accepted_by_the_parser() -> None:
    from kronconv.cli import build_parser

    args = build_parser().parse_args(["docs", "--list", "--jobs", str(MAX_JOBS)])
    assert args.jobs == MAX_JOBS
