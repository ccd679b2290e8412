#!/usr/bin/env python3
"""A strict parser for the Prometheus text exposition format 0.0.4, standard library only.

parse(text) -> {family name: Family(name, type, help, samples)} where samples is a list of
(sample_name, labels_dict, float_value); any deviation raises PromFormatError with a line
number. value(families, name, **labels) returns one sample's value. Run this file to
self-test it."""

import math
import re
import sys
from dataclasses import dataclass, field

METRIC_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
# A float as the Go client writes it; Python's float() would also take "inf", "1_0", ...
FLOAT = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[+-]Inf|NaN")
TYPES = ("counter", "gauge", "histogram", "summary", "untyped")


class PromFormatError(ValueError):
    def __init__(self, line, message):
        super().__init__(f"line {line}: {message}")
        self.line = line


@dataclass
class Family:
    name: str
    type: str = None
    help: str = None
    samples: list = field(default_factory=list)   # (sample_name, labels dict, value)
    lines: list = field(default_factory=list)     # line number of each sample

    def sample_names(self):
        """The sample names this family's type allows."""
        n = self.name
        return {"histogram": {n + "_bucket", n + "_sum", n + "_count"},
                "summary": {n, n + "_sum", n + "_count"}}.get(self.type, {n})


def parse_float(text, line):
    if not FLOAT.fullmatch(text):
        raise PromFormatError(line, f"bad value {text!r}")
    return float(text.replace("Inf", "inf"))


def unescape(text, line, allowed):
    """Undo the backslash escapes of a HELP text or label value; others are errors."""
    def sub(m):
        c = m.group(1)  # "" for a backslash that ends the text
        if len(c) != 1 or c not in allowed:
            raise PromFormatError(line, f"invalid escape '\\{c}'")
        return "\n" if c == "n" else c
    return re.sub(r"\\(.?)", sub, text)


def parse_labels(text, line):
    """'{a="x",b="y"}' (text starts at '{') -> (dict, rest of the line after '}')."""
    labels, pos = {}, 1
    label = re.compile(r'[ \t]*([^=\s]*)[ \t]*=[ \t]*"((?:[^"\\]|\\.)*)"[ \t]*(,?)[ \t]*')
    while True:
        if text[pos:pos + 1] == "}":
            return labels, text[pos + 1:]
        m = label.match(text, pos)
        if not m:
            raise PromFormatError(line, f"bad label set {text!r}")
        name, raw, comma = m.groups()
        if not LABEL_NAME.fullmatch(name):
            raise PromFormatError(line, f"bad label name {name!r}")
        if name in labels:
            raise PromFormatError(line, f"duplicate label {name!r}")
        labels[name] = unescape(raw, line, '\\"n')
        pos = m.end()
        if not comma and text[pos:pos + 1] != "}":
            raise PromFormatError(line, f"expected ',' or '}}' in {text!r}")


def check_histogram(fam):
    """Per label set (minus le): increasing le ending in +Inf, non-decreasing cumulative
    counts, +Inf bucket == _count, and _sum/_count present."""
    series = {}  # labels without le -> {"bucket": [(le, count, line)], "sum":..., "count":...}
    for (name, labels, val), line in zip(fam.samples, fam.lines):
        kind = name[len(fam.name) + 1:]
        rest = {k: v for k, v in labels.items() if k != "le"}
        s = series.setdefault(tuple(sorted(rest.items())), {"bucket": [], "line": line})
        if kind == "bucket":
            if "le" not in labels:
                raise PromFormatError(line, f"{name} without an le label")
            s["bucket"].append((parse_float(labels["le"], line), val, line))
        elif "le" in labels:
            raise PromFormatError(line, f"{name} with an le label")
        else:
            s[kind] = val
        if val < 0 or math.isnan(val):
            raise PromFormatError(line, f"{name} is {val}: histogram values must be >= 0")
    for key, s in series.items():
        where = f"{fam.name}{dict(key)}"
        for missing in ("sum", "count"):
            if missing not in s:
                raise PromFormatError(s["line"], f"{where} has no _{missing}")
        buckets = s["bucket"]
        if not buckets or buckets[-1][0] != math.inf:
            raise PromFormatError(s["line"], f"{where} has no le=\"+Inf\" bucket (last)")
        for (le0, c0, _), (le1, c1, line) in zip(buckets, buckets[1:]):
            if not le1 > le0:
                raise PromFormatError(line, f"{where}: le {le1} after {le0} is not increasing")
            if c1 < c0:
                raise PromFormatError(line, f"{where}: bucket le={le1} count {c1} < {c0}")
        if buckets[-1][1] != s["count"]:
            raise PromFormatError(buckets[-1][2], f"{where}: +Inf bucket {buckets[-1][1]} != _count {s['count']}")


def finish(fam, line):
    if fam.help is None or fam.type is None:
        raise PromFormatError(line, f"family {fam.name} lacks a # {'HELP' if fam.help is None else 'TYPE'} line")
    if fam.type == "histogram":
        check_histogram(fam)


def parse(text):
    if text and not text.endswith("\n"):
        raise PromFormatError(text.count("\n") + 1, "the text does not end with a newline")
    families, owner, seen, cur = {}, {}, set(), None  # owner: sample name -> family
    lines = text.split("\n")[:-1]
    for no, line in enumerate(lines, 1):
        if line == "":
            continue
        if line != line.strip() or "\r" in line:
            raise PromFormatError(no, f"stray whitespace or CR in {line!r}")
        m = re.fullmatch(r"# (HELP|TYPE) (\S+)(?: (.*))?", line)
        if m:
            kw, name, arg = m.groups()
            if not METRIC_NAME.fullmatch(name):
                raise PromFormatError(no, f"bad metric name {name!r}")
            if cur is None or cur.name != name:
                if name in families:
                    raise PromFormatError(no, f"family {name} reopened")
                if cur is not None:
                    finish(cur, no)
                cur = families[name] = Family(name)
            if cur.samples:
                raise PromFormatError(no, f"# {kw} {name} after its samples")
            if kw == "HELP":
                if cur.help is not None:
                    raise PromFormatError(no, f"second # HELP for {name}")
                cur.help = unescape(arg or "", no, "\\n")
            else:
                if cur.type is not None:
                    raise PromFormatError(no, f"second # TYPE for {name}")
                if arg not in TYPES:
                    raise PromFormatError(no, f"bad type {arg!r} for {name}")
                if arg == "counter" and not name.endswith("_total"):
                    raise PromFormatError(no, f"counter {name} does not end in _total")
                cur.type = arg
                for s in cur.sample_names():
                    if s in owner:
                        raise PromFormatError(no, f"{name}'s sample name {s} clashes with family {owner[s]}")
                    owner[s] = name
            continue
        if line.startswith("#"):
            continue  # a plain comment
        m = re.match(r"[^{\s]*", line)
        name, rest = m.group(0), line[m.end():]
        if not METRIC_NAME.fullmatch(name):
            raise PromFormatError(no, f"bad metric name {name!r}")
        labels = {}
        if rest.startswith("{"):
            labels, rest = parse_labels(rest, no)
        m = re.fullmatch(r"[ \t]+(\S+)(?:[ \t]+(-?\d+))?", rest)
        if not m:
            raise PromFormatError(no, f"expected ' value [timestamp]' after the name/labels in {line!r}")
        val = parse_float(m.group(1), no)
        if cur is not None and name.startswith(cur.name) and (cur.type is None or cur.help is None):
            raise PromFormatError(no, f"sample {name} before {cur.name}'s # {'TYPE' if cur.type is None else 'HELP'}")
        if cur is None or name not in cur.sample_names():
            if name in owner:
                raise PromFormatError(no, f"sample {name} after family {owner[name]} was closed (reopened)")
            if cur is not None and name.startswith(cur.name):
                raise PromFormatError(no, f"{name} is not a sample name of {cur.type} {cur.name}: {sorted(cur.sample_names())}")
            raise PromFormatError(no, f"sample {name} without its # HELP and # TYPE lines")
        key = (name, tuple(sorted(labels.items())))
        if key in seen:
            raise PromFormatError(no, f"duplicate sample {name}{labels}")
        seen.add(key)
        if cur.type == "counter" and not val >= 0:
            raise PromFormatError(no, f"counter {name} is {val}")
        if cur.type == "summary" and name == cur.name and "quantile" not in labels:
            raise PromFormatError(no, f"summary sample {name} without a quantile label")
        cur.samples.append((name, labels, val))
        cur.lines.append(no)
    if cur is not None:
        finish(cur, len(lines))
    return families


def value(families, name, **labels):
    """The value of the sample `name` (a family name, or a histogram's x_bucket/x_sum/x_count)
    with exactly these labels; KeyError if there is none."""
    want = {k: str(v) for k, v in labels.items()}
    base = re.sub(r"_(bucket|sum|count)$", "", name)
    for fam in (families.get(name), families.get(base)):
        for s_name, s_labels, val in (fam.samples if fam else []):
            if s_name == name and s_labels == want:
                return val
    raise KeyError(f"no sample {name}{want}")


# --- self-test -----------------------------------------------------------------------------
VALID = """# HELP finch_rpc_requests_total RPC requests by method (a \\\\ and a \\n line).
# TYPE finch_rpc_requests_total counter
finch_rpc_requests_total{method="getblockcount"} 8
finch_rpc_requests_total{method="say \\"hi\\"\\n"} 1

# a comment
# TYPE finch_chain_height gauge
# HELP finch_chain_height Height of the active chain.
finch_chain_height 5 1700000000000
# HELP finch_x_seconds A histogram.
# TYPE finch_x_seconds histogram
finch_x_seconds_bucket{method="a",le="0.1"} 1
finch_x_seconds_bucket{method="a",le="1"} 3
finch_x_seconds_bucket{method="a",le="+Inf"} 4
finch_x_seconds_sum{method="a"} 2.5e0
finch_x_seconds_count{method="a"} 4
finch_x_seconds_bucket{method="b",le="0.1"} 0
finch_x_seconds_bucket{method="b",le="+Inf"} 0
finch_x_seconds_sum{method="b"} 0
finch_x_seconds_count{method="b"} 0
# HELP finch_nan A gauge at NaN.
# TYPE finch_nan gauge
finch_nan NaN
"""

HEAD = "# HELP h_total H.\n# TYPE h_total counter\n"
HIST = "# HELP x X.\n# TYPE x histogram\n"
BAD = {
    "missing TYPE": "# HELP g G.\ng 1\n",
    "missing HELP": "# TYPE g gauge\ng 1\n",
    "counter without _total": "# HELP c C.\n# TYPE c counter\nc 1\n",
    "bad label escape": HEAD + 'h_total{a="\\t"} 1\n',
    "unquoted label value": HEAD + "h_total{a=b} 1\n",
    "bad label name": HEAD + 'h_total{1a="x"} 1\n',
    "non-monotonic buckets": HIST + 'x_bucket{le="1"} 5\nx_bucket{le="2"} 3\nx_bucket{le="+Inf"} 5\nx_sum 1\nx_count 5\n',
    "decreasing le": HIST + 'x_bucket{le="2"} 1\nx_bucket{le="1"} 1\nx_bucket{le="+Inf"} 1\nx_sum 1\nx_count 1\n',
    "no +Inf bucket": HIST + 'x_bucket{le="1"} 1\nx_sum 1\nx_count 1\n',
    "+Inf != count": HIST + 'x_bucket{le="1"} 1\nx_bucket{le="+Inf"} 2\nx_sum 1\nx_count 3\n',
    "histogram extra sample": HIST + 'x_bucket{le="+Inf"} 1\nx_sum 1\nx_count 1\nx_max 1\n',
    "duplicate sample": HEAD + 'h_total{a="1",b="2"} 1\nh_total{b="2",a="1"} 2\n',
    "reopened family": HEAD + "h_total 1\n# HELP g G.\n# TYPE g gauge\ng 1\nh_total 2\n",
    "family declared twice": HEAD + "h_total 1\n# HELP g G.\n# TYPE g gauge\n" + HEAD,
    "bad metric name": "# HELP 1g G.\n# TYPE 1g gauge\n1g 1\n",
    "bad type": "# HELP g G.\n# TYPE g gauges\ng 1\n",
    "bad value": HEAD + "h_total one\n",
    "python-only float": HEAD + "h_total inf\n",
    "TYPE after samples": "# HELP g G.\ng 1\n# TYPE g gauge\n",
    "no final newline": HEAD + "h_total 1",
    "whitespace-only line": HEAD + "h_total 1\n  \n",
    "CRLF": HEAD.replace("\n", "\r\n"),
}


def _selftest():
    f = parse(VALID)
    assert set(f) == {"finch_rpc_requests_total", "finch_chain_height", "finch_x_seconds", "finch_nan"}, f
    assert f["finch_rpc_requests_total"].help == "RPC requests by method (a \\ and a \n line)."
    assert value(f, "finch_rpc_requests_total", method="getblockcount") == 8
    assert value(f, "finch_rpc_requests_total", method='say "hi"\n') == 1
    assert (f["finch_chain_height"].type, value(f, "finch_chain_height")) == ("gauge", 5)
    assert value(f, "finch_x_seconds_count", method="a") == 4
    assert value(f, "finch_x_seconds_bucket", method="a", le="+Inf") == 4
    assert value(f, "finch_x_seconds_sum", method="b") == 0 and len(f["finch_x_seconds"].samples) == 9
    assert math.isnan(value(f, "finch_nan"))
    for missing in (("finch_chain_height", {"x": "1"}), ("finch_x_seconds_count", {}), ("nope", {})):
        try:
            value(f, missing[0], **missing[1])
            raise AssertionError(f"value{missing} should raise KeyError")
        except KeyError:
            pass
    for what, text in BAD.items():
        try:
            parse(text)
        except PromFormatError as e:
            print(f"  {what:24} -> {e}")
            continue
        raise AssertionError(f"{what}: accepted\n{text}")
    print(f"prom_parse self-test: OK ({len(BAD)} malformed inputs rejected)")


if __name__ == "__main__":
    try:
        _selftest()
    except Exception:  # any failure is a non-zero exit
        import traceback
        traceback.print_exc()
        sys.exit(1)
