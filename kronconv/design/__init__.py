"""Inverse problems: dilation schedules that reach a receptive field without holes (``kronconv design``).

* :mod:`.sumset` -- one axis: bitset sumsets, path counts, the prefix lemma;
* :mod:`.grammar` -- the schedule grammar of ``--include`` / ``--repair``;
* :mod:`.search` -- the search space, pruning rules, scores, the Pareto front;
* :mod:`.report` -- :func:`design`: search + includes + repair + HDC + optimality statement.
"""

from __future__ import annotations

from .grammar import GRAMMAR, parse_schedule
from .repair import RepairResult, repair
from .report import DesignReport, design
from .search import (
    MAX_NODES,
    OBJECTIVES,
    PRUNING_RULES,
    Score,
    SearchSpace,
    best_of_depth,
    min_layers_bound,
    mixed_radix,
    pareto_front,
    rank,
    score,
    search,
)
from .sumset import is_hole_free, path_counts, prefix_rule, sumset_bits

__all__ = [
    "GRAMMAR",
    "MAX_NODES",
    "OBJECTIVES",
    "PRUNING_RULES",
    "DesignReport",
    "RepairResult",
    "Score",
    "SearchSpace",
    "best_of_depth",
    "design",
    "is_hole_free",
    "min_layers_bound",
    "mixed_radix",
    "pareto_front",
    "parse_schedule",
    "path_counts",
    "prefix_rule",
    "rank",
    "repair",
    "score",
    "search",
    "sumset_bits",
]
