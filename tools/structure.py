#!/usr/bin/env python3
"""Checks the code's shape (ARCHITECTURE.md): file and function sizes, who may call whom,
circles between top-level modules, and catch-all arms where dispatch must be exhaustive.

Usage: python3 tools/structure.py [--strict]
Prints every finding; with --strict, exits 1 when there is any.

Function length is counted from the `fn` line to its closing brace at the same indentation
(rustfmt's layout), doc comments excluded.
"""
import os
import re
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
SRC = os.path.join(ROOT, "src")
MAX_FILE_LINES = 700
MAX_FN_LINES = 150
STORE_MAY_NOT_IMPORT = ["model", "ops", "ui", "cli", "letters", "agenda", "demo", "import"]


def rust_files(base):
    for dirpath, _, names in os.walk(base):
        for n in sorted(names):
            if n.endswith(".rs"):
                yield os.path.join(dirpath, n)


def rel(path):
    return os.path.relpath(path, ROOT)


def top_module(path):
    r = os.path.relpath(path, SRC)
    first = r.split(os.sep)[0]
    return first[:-3] if first.endswith(".rs") else first


def code_lines(text):
    """The lines outside `#[cfg(test)] mod tests { ... }` (tests may be long)."""
    lines = text.split("\n")
    out = []
    skip_indent = None
    for i, line in enumerate(lines):
        if skip_indent is not None:
            if line.startswith(skip_indent + "}"):
                skip_indent = None
            continue
        if line.strip() == "#[cfg(test)]" and i + 1 < len(lines) and re.match(r"\s*mod \w+ \{", lines[i + 1]):
            skip_indent = re.match(r"(\s*)", line).group(1)
            continue
        out.append((i + 1, line))
    return out


def functions(lines):
    """(name, start line, length) of each fn, by rustfmt's layout."""
    found = []
    for idx, (no, line) in enumerate(lines):
        m = re.match(r"(\s*)(pub(\([^)]*\))? )?(const )?(async )?(unsafe )?fn (\w+)", line)
        if not m or line.rstrip().endswith(";"):
            continue
        indent = m.group(1)
        for no2, line2 in lines[idx:]:
            if line2 == indent + "}" or (line2.startswith(indent + "}") and no2 != no):
                found.append((m.group(7), no, no2 - no + 1))
                break
            if no2 == no and line.rstrip().endswith("}"):
                break
    return found


def main():
    strict = "--strict" in sys.argv
    findings = []
    edges = {}
    for path in rust_files(SRC):
        text = open(path, encoding="utf-8").read()
        lines = code_lines(text)
        if len(text.split("\n")) - 1 > MAX_FILE_LINES:
            findings.append(f"{rel(path)}: {len(text.splitlines())} lines (over {MAX_FILE_LINES})")
        for name, start, length in functions(lines):
            if length > MAX_FN_LINES:
                findings.append(f"{rel(path)}:{start}: fn {name} is {length} lines (over {MAX_FN_LINES})")
        module = top_module(path)
        # Comments name other modules without depending on them.
        body = "\n".join(l for _, l in lines if not l.lstrip().startswith("//"))
        for m in set(re.findall(r"crate::(\w+)", body)):
            if m != module:
                edges.setdefault(module, set()).add(m)
        r = os.path.relpath(path, SRC)
        if r.startswith("ui" + os.sep):
            for no, line in lines:
                if line.lstrip().startswith("//"):
                    continue
                if re.search(r"rusqlite|\.conn\(\)|store::", line):
                    findings.append(f"{rel(path)}:{no}: the window reaches the store: {line.strip()}")
        if r.startswith("store" + os.sep):
            for m in STORE_MAY_NOT_IMPORT:
                if re.search(rf"crate::{m}\b", body):
                    findings.append(f"{rel(path)}: store/ imports crate::{m}")
        if r.startswith("cli" + os.sep) or r.startswith(os.path.join("ui", "app")):
            for no, line in lines:
                if "unreachable!" in line or re.match(r"\s*_ => \{\}", line):
                    findings.append(f"{rel(path)}:{no}: catch-all or unreachable!: {line.strip()}")
    # Circles between top-level modules (strongly connected components, Tarjan).
    index, low, stack, on, comps = {}, {}, [], set(), []
    counter = [0]

    def strong(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                comps.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(edges):
        if v not in index:
            strong(v)
    for comp in comps:
        findings.append("circle between modules: " + " ⇄ ".join(comp))
    for f in findings:
        print(f)
    print(f"{len(findings)} findings")
    return 1 if strict and findings else 0


if __name__ == "__main__":
    sys.exit(main())
