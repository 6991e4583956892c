"""Write a dependency graph as GraphML, Graphviz DOT or node-link JSON (atomically)."""

from __future__ import annotations

from typing import Any

from ..atomic import atomic_write
from ..errors import InvalidArgument

__all__ = [
    "EXPORT_FORMATS",
    "export_graph",
    "string_graph",
    "to_dot",
]

#: Formats accepted by :func:`export_graph`.
EXPORT_FORMATS = ("graphml", "dot", "json")


def _node_key(node: tuple[int, tuple[int, ...]]) -> str:
    return f"{node[0]}:{','.join(map(str, node[1]))}"


def string_graph(G: Any) -> Any:
    """Copy of a dependency graph with string node ids ``"level:x,y"`` and flat scalar attributes.

    Tuple positions become ``position = "x,y"`` plus one int attribute per axis
    (``x``, ``y``, ``z``); tap lists become ``"t0,t1;t0,t1"`` strings; counts
    beyond 64-bit become strings -- what GraphML and DOT can hold.
    """
    import networkx as nx

    H = nx.DiGraph()
    H.graph.update({k: (",".join(map(str, v)) if isinstance(v, (list, tuple)) else str(v))
                    for k, v in G.graph.items()})
    for n, data in G.nodes(data=True):
        pos = data["position"]
        attrs: dict[str, Any] = {"level": int(data["level"]), "node": str(data["node"]),
                                 "position": ",".join(map(str, pos)),
                                 "paths": int(data["paths"]) if abs(int(data["paths"])) < 1 << 63 else str(data["paths"]),
                                 "output": bool(data["output"])}
        for name, v in zip("xyz", pos):
            attrs[name] = int(v)
        H.add_node(_node_key(n), **attrs)
    for a, b, data in G.edges(data=True):
        H.add_edge(_node_key(a), _node_key(b), taps=";".join(",".join(map(str, t)) for t in data["taps"]),
                   multiplicity=int(data["multiplicity"]), op=str(data["op"]))
    return H


def _dot_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def to_dot(G: Any) -> str:
    """Graphviz DOT text of a (string-keyed) graph; no pydot needed.

    Examples
    --------
    >>> from kronconv.graph import unit_graph
    >>> from kronconv.spec import chain
    >>> print(to_dot(string_graph(unit_graph(chain(kernel=2, layers=1, dims=1)).to_networkx())), end="")
    digraph "dependency" {
      rankdir=BT;
      "0:0" [level=0, node="input", position="0", paths=1, output=false, x=0];
      "0:1" [level=0, node="input", position="1", paths=1, output=false, x=1];
      "1:0" [level=1, node="layer1", position="0", paths=1, output=true, x=0];
      "0:0" -> "1:0" [taps="0", multiplicity=1, op="conv"];
      "0:1" -> "1:0" [taps="1", multiplicity=1, op="conv"];
    }
    """
    def attrs(d: dict[str, Any]) -> str:
        parts = []
        for k, v in d.items():
            if isinstance(v, bool):
                parts.append(f"{k}={'true' if v else 'false'}")
            elif isinstance(v, int):
                parts.append(f"{k}={v}")
            else:
                parts.append(f"{k}={_dot_quote(str(v))}")
        return ", ".join(parts)

    name = G.graph.get("name") or "dependency"
    lines = [f"digraph {_dot_quote(str(name))} {{", "  rankdir=BT;"]
    for n, d in G.nodes(data=True):
        lines.append(f"  {_dot_quote(str(n))} [{attrs(d)}];")
    for a, b, d in G.edges(data=True):
        lines.append(f"  {_dot_quote(str(a))} -> {_dot_quote(str(b))} [{attrs(d)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def export_graph(G: Any, fmt: str, path: str) -> None:
    """Write a dependency graph as ``graphml`` (networkx), ``dot`` (:func:`to_dot`) or ``json``
    (:func:`networkx.node_link_data`), atomically (nothing half-written on failure)."""
    import json

    import networkx as nx

    if fmt not in EXPORT_FORMATS:
        raise InvalidArgument(f"export format must be one of {', '.join(EXPORT_FORMATS)}, got {fmt!r}")
    H = G if all(isinstance(n, str) for n in G.nodes) else string_graph(G)
    if fmt == "graphml":
        atomic_write(path, lambda fh: nx.write_graphml(H, fh), "--export")
    elif fmt == "dot":
        text = to_dot(H).encode("utf-8")
        atomic_write(path, lambda fh: fh.write(text), "--export")
    else:
        text = (json.dumps(nx.node_link_data(H, edges="edges"), indent=1) + "\n").encode("utf-8")
        atomic_write(path, lambda fh: fh.write(text), "--export")
