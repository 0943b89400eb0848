"""A strict reader of Prometheus's text exposition format (0.0.4), for the metrics tests: it fails
on anything Prometheus would refuse or that breaks its naming conventions, and returns the
samples for the tests to compare with the load they sent."""

import math
import re

NAME_RE = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*\Z")
LABEL_RE = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*\Z")
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}


class Family:
    def __init__(self, name):
        self.name, self.help, self.type = name, None, None
        self.samples = []  # (sample name, labels dict, value)


def _parse_labels(text, line):
    """'a="x",b="y\\"z"' -> dict; asserts the escapes are the format's own."""
    labels, i = {}, 0
    while i < len(text):
        m = re.compile(r"([a-zA-Z_][a-zA-Z0-9_]*)=\"").match(text, i)
        assert m, f"bad label at {text[i:]!r} in {line!r}"
        name, i, val = m.group(1), m.end(), []
        while True:
            assert i < len(text), f"unterminated label value in {line!r}"
            c = text[i]
            if c == "\\":
                nxt = text[i + 1]
                assert nxt in '\\"n', f"bad escape \\{nxt} in {line!r}"
                val.append("\n" if nxt == "n" else nxt)
                i += 2
            elif c == '"':
                i += 1
                break
            else:
                assert c != "\n"
                val.append(c)
                i += 1
        assert name not in labels, f"label {name} twice in {line!r}"
        assert not name.startswith("__"), f"reserved label name {name} in {line!r}"
        labels[name] = "".join(val)
        if i < len(text):
            assert text[i] == ",", f"expected ',' at {text[i:]!r} in {line!r}"
            i += 1
    return labels


def _value(s, line):
    if s in ("+Inf", "-Inf", "NaN"):
        return float(s.replace("Inf", "inf").replace("NaN", "nan"))
    assert re.fullmatch(r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?", s), f"bad value in {line!r}"
    return float(s)


def _family_of(sample, families):
    """The family a sample name belongs to (histograms own _bucket, _sum and _count)."""
    if sample in families:
        return sample
    for suf in ("_bucket", "_sum", "_count"):
        if sample.endswith(suf) and families.get(sample[:-len(suf)]) is not None and \
                families[sample[:-len(suf)]].type in ("histogram", "summary"):
            return sample[:-len(suf)]
    raise AssertionError(f"sample {sample} has no # TYPE before it")


def parse(text):
    """The exposition as {family name: Family}; asserts the format strictly: every sample's family
    has one HELP and one TYPE before its samples, a family's samples are together, no series twice,
    names and label names are valid, counters end in _total, histograms are well formed."""
    assert text.endswith("\n"), "the exposition must end with a newline"
    families, order, seen_series, current = {}, [], set(), None
    for line in text.split("\n")[:-1]:
        assert line.strip() == line or line == "", f"stray whitespace in {line!r}"
        if not line:
            continue
        if line.startswith("#"):
            parts = line.split(" ", 3)
            if len(parts) >= 3 and parts[1] in ("HELP", "TYPE"):
                name = parts[2]
                assert NAME_RE.match(name), f"bad metric name {name!r}"
                f = families.get(name)
                if f is None:
                    f = families[name] = Family(name)
                    order.append(name)
                assert not f.samples, f"# {parts[1]} of {name} after its samples"
                if parts[1] == "HELP":
                    assert f.help is None, f"two HELP lines for {name}"
                    assert len(parts) == 4 and parts[3].strip(), f"empty HELP for {name}"
                    f.help = parts[3]
                else:
                    assert f.type is None, f"two TYPE lines for {name}"
                    assert len(parts) == 4 and parts[3] in TYPES, f"bad TYPE line {line!r}"
                    f.type = parts[3]
                current = name
            continue
        m = re.fullmatch(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)( -?\d+)?", line)
        assert m, f"bad sample line {line!r}"
        sname, labels = m.group(1), _parse_labels(m.group(3) or "", line)
        fam = _family_of(sname, families)
        assert fam == current, f"sample {sname} away from its family's lines ({current})"
        f = families[fam]
        assert f.help is not None and f.type is not None, f"{fam} lacks HELP or TYPE"
        key = (sname, tuple(sorted(labels.items())))
        assert key not in seen_series, f"series twice: {line!r}"
        seen_series.add(key)
        f.samples.append((sname, labels, _value(m.group(4), line)))
    for f in families.values():
        assert f.help is not None and f.type is not None, f"{f.name} lacks HELP or TYPE"
        if f.type == "counter":
            assert f.name.endswith("_total"), f"counter {f.name} does not end in _total"
            for s, _, v in f.samples:
                assert s == f.name and v >= 0 and not math.isnan(v), (s, v)
        else:
            assert not f.name.endswith("_total"), f"{f.type} {f.name} ends in _total"
        if f.type == "gauge":
            assert all(s == f.name for s, _, _ in f.samples)
        if f.type == "histogram":
            _check_histogram(f)
    return families


def _check_histogram(f):
    series = {}
    for s, labels, v in f.samples:
        rest = tuple(sorted((k, x) for k, x in labels.items() if k != "le"))
        d = series.setdefault(rest, {"buckets": [], "sum": None, "count": None})
        if s == f.name + "_bucket":
            assert "le" in labels, f"bucket without le: {s} {labels}"
            d["buckets"].append((_value(labels["le"], s), v))
        elif s == f.name + "_sum":
            d["sum"] = v
        elif s == f.name + "_count":
            d["count"] = v
        else:
            raise AssertionError(f"{s} is not part of histogram {f.name}")
    for rest, d in series.items():
        b = d["buckets"]
        assert b and d["sum"] is not None and d["count"] is not None, (f.name, rest)
        les = [le for le, _ in b]
        assert les == sorted(les) and len(set(les)) == len(les), f"le out of order: {les}"
        assert les[-1] == math.inf, f"no +Inf bucket for {rest}"
        counts = [v for _, v in b]
        assert counts == sorted(counts), f"buckets not cumulative for {rest}: {counts}"
        assert counts[-1] == d["count"], f"+Inf {counts[-1]} != _count {d['count']} for {rest}"
        assert d["sum"] >= 0


def value(families, name, **labels):
    """The value of the one sample of name with exactly these labels (absent: None)."""
    fam = _family_of(name, families)
    for s, ls, v in families[fam].samples:
        if s == name and ls == labels:
            return v
    return None


def samples(families, name):
    """[(labels, value)] of every sample named name."""
    fam = _family_of(name, families)
    return [(ls, v) for s, ls, v in families[fam].samples if s == name]
