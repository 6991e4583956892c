"""Exported dependency graphs: string node ids, flat attributes, DOT quoting, and the three file formats.

Expected text is written out by hand for a two-tap layer; the files are read
back with networkx's own readers (GraphML, node-link JSON) and compared with
the graph they came from, attribute by attribute.
"""

from __future__ import annotations

import json

import networkx as nx
import pytest

from kronconv.graph import export_graph, string_graph, to_dot, unit_graph
from kronconv.spec import Conv, Network, chain


def test_string_graph_flattens_positions_taps_and_attributes():
    G = unit_graph(Network((Conv((2, 1), dilation=(3, 1), dims=2),))).to_networkx()
    H = string_graph(G)
    assert sorted(H.nodes) == ["0:0,0", "0:3,0", "1:0,0"]
    assert H.nodes["0:3,0"] == {"level": 0, "node": "input", "position": "3,0", "paths": 1, "output": False,
                                "x": 3, "y": 0}
    assert H.nodes["1:0,0"]["output"] is True and H.nodes["1:0,0"]["node"] == "layer1"
    assert H.edges["0:3,0", "1:0,0"] == {"taps": "1,0", "multiplicity": 1, "op": "conv"}
    assert H.graph == {"name": "", "unit": "0,0", "window": "1,1"}


def test_folded_taps_are_joined_with_semicolons():
    # circular padding on a 1-wide grid: both taps of a 2-tap kernel land on the one input
    G = unit_graph(chain(kernel=2, paddings=[1], dims=1), input_size=1, unit=0, padding_mode="circular").to_networkx()
    H = string_graph(G)
    assert H.edges["0:0", "1:0"] == {"taps": "0;1", "multiplicity": 2, "op": "conv"}
    assert H.nodes["0:0"]["paths"] == 2


def test_dot_quotes_names_and_text_and_writes_booleans_and_integers_bare():
    G = nx.DiGraph(name='say "hi"\\now\nthen')
    G.add_node("a", level=0, flag=True, label="x y", off=False)
    G.add_node("b")
    G.add_edge("a", "b", multiplicity=2, op="add")
    assert to_dot(G) == ('digraph "say \\"hi\\"\\\\now\\nthen" {\n'
                         "  rankdir=BT;\n"
                         '  "a" [level=0, flag=true, label="x y", off=false];\n'
                         '  "b" [];\n'
                         '  "a" -> "b" [multiplicity=2, op="add"];\n'
                         "}\n")
    assert to_dot(nx.DiGraph()).startswith('digraph "dependency" {')


@pytest.mark.parametrize("fmt", ["graphml", "dot", "json"])
def test_each_format_reads_back_to_the_same_graph(tmp_path, fmt):
    G = unit_graph(chain(kernel=3, dilations=[1, 2], dims=1)).to_networkx()
    H = string_graph(G)
    path = tmp_path / f"g.{fmt}"
    export_graph(G, fmt, str(path))
    text = path.read_text()
    if fmt == "graphml":
        R = nx.read_graphml(path)
        assert dict(R.nodes(data=True)) == dict(H.nodes(data=True))
        assert {(a, b): d for a, b, d in R.edges(data=True)} == {(a, b): d for a, b, d in H.edges(data=True)}
    elif fmt == "json":
        R = nx.node_link_graph(json.loads(text), edges="edges")
        assert dict(R.nodes(data=True)) == dict(H.nodes(data=True))
        assert {(a, b): d for a, b, d in R.edges(data=True)} == {(a, b): d for a, b, d in H.edges(data=True)}
    else:
        assert text == to_dot(H)
    # a graph whose ids are already strings is written as it is
    export_graph(H, fmt, str(tmp_path / f"h.{fmt}"))
    assert (tmp_path / f"h.{fmt}").read_text() == text
