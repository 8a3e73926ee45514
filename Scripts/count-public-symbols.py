#!/usr/bin/env python3
"""Counts the public symbols of the package's library modules, and those without a doc comment.

    python3 Scripts/count-public-symbols.py                 # this repository, a table
    python3 Scripts/count-public-symbols.py PATH --json     # another checkout, machine-readable
    python3 Scripts/count-public-symbols.py --list-undocumented
    python3 Scripts/count-public-symbols.py --symbol-graph-dir DIR  # read graphs, no build
    python3 Scripts/count-public-symbols.py --check         # exit 1 if a symbol has no doc comment

The script runs `swift package dump-symbol-graph --minimum-access-level public
--skip-synthesized-members` in the package folder (this builds the package in debug, which takes
minutes the first time) and reads the `*.symbols.json` files it writes.

What counts:

- Modules: the package's Swift library targets under `Sources/` whose names do not start with an
  underscore (`swift package describe`), i.e. the `RankCollapse*` modules. Not counted: the C
  kernels, the test support target (`Tests/`), `ExampleSupport` (`Examples/`), the executables and
  the test targets. The umbrella `RankCollapse` is listed; its `@_exported` imports add no symbols
  of their own, so nothing is counted twice.
- Symbols: every symbol of access level `public` or `open` in the module's own graph
  (`Module.symbols.json`) *and* in its extension graphs (`Module@Other.symbols.json`, members the
  module adds to another module's types, e.g. `Float.branchFreeExp(_:)` in RankCollapseTensor or
  `Network.resume(fromFile:)` in RankCollapseTraining). Extension members are counted because a
  client that imports the module can call them, and because moving a member from a type's own
  module into an extension elsewhere must not shrink the count. The column "ext" says how many of
  a module's symbols are such extension members.
- Not counted: members a type only inherits through a protocol's default implementation
  (`--skip-synthesized-members`, e.g. `!=` from `Equatable`), SPI symbols, extension block
  symbols (not emitted), `package` and lower access.
- Counted although the compiler writes them: initialisers it derives for `Codable` or raw-value
  conformances (`init(from:)`, `init(rawValue:)`), because they are callable public API.

Kinds: types (struct, class, actor, enum, protocol, typealias, associatedtype), functions
(functions, methods, static methods, initialisers, operators, subscripts), properties (instance
and static), enum cases, other (anything else the graph reports, e.g. macros).

Documentation: a symbol is "undocumented" when the graph has no `docComment` for it. A symbol
whose `docComment` comes from another module's declaration (no source file of this module, e.g.
the standard library's text for a derived `init(from:)`) is counted as documented, in the separate
column "inherited".

Exit status: 0 on success, 1 when the dump fails or a module's graph is missing (or, with
`--check`, when a counted symbol has no doc comment), 2 on bad usage.
Python 3 standard library only.
"""

import argparse
import json
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent

KIND_GROUPS = {
    "types": {
        "swift.struct",
        "swift.class",
        "swift.actor",
        "swift.enum",
        "swift.protocol",
        "swift.typealias",
        "swift.associatedtype",
    },
    "functions": {
        "swift.func",
        "swift.func.op",
        "swift.method",
        "swift.type.method",
        "swift.init",
        "swift.deinit",
        "swift.subscript",
        "swift.type.subscript",
    },
    "properties": {"swift.property", "swift.type.property", "swift.var"},
    "cases": {"swift.enum.case"},
}
GROUPS = ["types", "functions", "properties", "cases", "other"]
COLUMNS = GROUPS + ["total", "ext", "undocumented", "inherited"]


def fail(message):
    print(f"count-public-symbols: {message}", file=sys.stderr)
    sys.exit(1)


def run(arguments, folder, quiet, check=True):
    """Runs a command in `folder`; returns (status, standard output, standard error).

    With `check`, a non-zero status stops the script."""
    result = subprocess.run(arguments, cwd=folder, capture_output=True, text=True)
    if check and result.returncode != 0:
        sys.stderr.write(result.stdout[-4000:])
        sys.stderr.write(result.stderr[-4000:])
        fail(f"`{' '.join(arguments)}` failed with status {result.returncode}")
    if not quiet:  # the build's progress, kept off standard output (the table)
        sys.stderr.write(result.stdout)
        sys.stderr.write(result.stderr)
    return result.returncode, result.stdout, result.stderr


def library_modules(folder):
    """The Swift library targets under Sources/ whose names do not start with an underscore."""
    _, text, _ = run(["swift", "package", "describe", "--type", "json"], folder, True)
    description = json.loads(text)
    names = []
    for target in description.get("targets", []):
        if (
            target.get("type") == "library"
            and target.get("module_type") == "SwiftTarget"
            and target.get("path", "").startswith("Sources/")
            and not target["name"].startswith("_")
        ):
            names.append(target["name"])
    return sorted(names)


def dump_symbol_graphs(folder, modules, quiet):
    """Runs the dump (which builds the package) and returns the folder it wrote to.

    SwiftPM 6.3 also tries the test modules and exits with status 1 when it cannot load
    `<Package>PackageDiscoveredTests`; such failures are reported and ignored as long as no counted
    module failed."""
    _, bin_text, _ = run(["swift", "build", "--show-bin-path"], folder, True)
    expected = pathlib.Path(bin_text.strip()).parent / "symbolgraph"
    # Graphs of an earlier dump (e.g. of a module since removed) must not be read.
    if expected.is_dir():
        for stale in expected.glob("*.symbols.json"):
            stale.unlink()
    command = [
        "swift",
        "package",
        "dump-symbol-graph",
        "--minimum-access-level",
        "public",
        "--skip-synthesized-members",
    ]
    status, output, errors = run(command, folder, quiet, check=False)
    failed = set(re.findall(r"Failed to emit symbol graph for '([^']+)'", output + errors))
    if status != 0:
        if not failed or failed & set(modules):
            sys.stderr.write(output[-4000:])
            sys.stderr.write(errors[-4000:])
            fail(f"`{' '.join(command)}` failed with status {status}")
        print(
            "count-public-symbols: ignored: no symbol graph for " + ", ".join(sorted(failed)),
            file=sys.stderr,
        )
    match = re.search(r"Files written to (.+)", output)
    return pathlib.Path(match.group(1).strip()) if match else expected


def group_of(kind):
    for group, kinds in KIND_GROUPS.items():
        if kind in kinds:
            return group
    return "other"


def count(graph_folder, modules):
    """Per module: counts by column, and the undocumented and inherited symbols' paths."""
    files = {}
    for path in sorted(graph_folder.glob("*.symbols.json")):
        owner = path.name[: -len(".symbols.json")].split("@")[0]
        files.setdefault(owner, []).append(path)
    rows = {}
    for module in modules:
        paths = files.get(module, [])
        if not any(p.name == f"{module}.symbols.json" for p in paths):
            fail(f"no symbol graph for {module} in {graph_folder}")
        row = {column: 0 for column in COLUMNS}
        undocumented, inherited = [], []
        seen = set()
        for path in paths:
            is_extension = "@" in path.name
            graph = json.loads(path.read_text())
            for symbol in graph["symbols"]:
                if symbol.get("accessLevel") not in ("public", "open"):
                    continue
                precise = symbol["identifier"]["precise"]
                if "::SYNTHESIZED::" in precise or precise in seen:
                    continue
                seen.add(precise)
                name = ".".join(symbol["pathComponents"])
                row[group_of(symbol["kind"]["identifier"])] += 1
                row["total"] += 1
                if is_extension:
                    row["ext"] += 1
                doc = symbol.get("docComment")
                if doc is None or not doc.get("lines"):
                    row["undocumented"] += 1
                    undocumented.append(name)
                elif "uri" not in doc or doc.get("module", module) != module:
                    row["inherited"] += 1
                    inherited.append(name)
        rows[module] = {
            "counts": row,
            "undocumented": sorted(undocumented),
            "inherited": sorted(inherited),
        }
    return rows


def print_table(rows):
    totals = {column: sum(r["counts"][column] for r in rows.values()) for column in COLUMNS}
    width = max([len("module"), len("total")] + [len(m) for m in rows])
    widths = {c: max(len(c), 5) + 2 for c in COLUMNS}
    header = "module".ljust(width) + "".join(f"{c:>{widths[c]}}" for c in COLUMNS)
    print(header)
    print("-" * len(header))
    for module, row in rows.items():
        print(module.ljust(width) + "".join(f"{row['counts'][c]:>{widths[c]}}" for c in COLUMNS))
    print("-" * len(header))
    print("total".ljust(width) + "".join(f"{totals[c]:>{widths[c]}}" for c in COLUMNS))


def main():
    parser = argparse.ArgumentParser(
        description="Count the public symbols of the library modules (see the docstring)."
    )
    parser.add_argument(
        "folder", nargs="?", default=str(ROOT), help="package folder (default: this repository)"
    )
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument(
        "--list-undocumented",
        action="store_true",
        help="also list the symbols without a doc comment (and those with an inherited one)",
    )
    parser.add_argument(
        "--symbol-graph-dir",
        help="read the *.symbols.json files of an earlier dump from this folder instead of building",
    )
    parser.add_argument(
        "--check", action="store_true", help="exit with status 1 if a symbol has no doc comment"
    )
    parser.add_argument("--quiet", action="store_true", help="hide the build's output")
    arguments = parser.parse_args()

    folder = pathlib.Path(arguments.folder).resolve()
    if not (folder / "Package.swift").is_file():
        print(f"count-public-symbols: no Package.swift in {folder}", file=sys.stderr)
        sys.exit(2)
    modules = library_modules(folder)
    if arguments.symbol_graph_dir:
        graph_folder = pathlib.Path(arguments.symbol_graph_dir)
    else:
        graph_folder = dump_symbol_graphs(folder, modules, arguments.quiet or arguments.json)
    rows = count(graph_folder, modules)

    if arguments.json:
        totals = {c: sum(r["counts"][c] for r in rows.values()) for c in COLUMNS}
        output = {"modules": {}, "total": totals}
        for module, row in rows.items():
            entry = dict(row["counts"])
            entry["undocumentedSymbols"] = row["undocumented"]
            entry["inheritedDocSymbols"] = row["inherited"]
            output["modules"][module] = entry
        json.dump(output, sys.stdout, indent=2)
        print()
    else:
        print_table(rows)
    if arguments.list_undocumented and not arguments.json:
        lists = [
            ("Without a doc comment", "undocumented"),
            ("With an inherited doc comment only", "inherited"),
        ]
        for title, key in lists:
            print(f"\n{title}:")
            entries = [(m, s) for m, r in rows.items() for s in r[key]]
            for module, symbol in entries:
                print(f"  {module}: {symbol}")
            if not entries:
                print("  (none)")
    missing = sum(r["counts"]["undocumented"] for r in rows.values())
    if arguments.check and missing:
        print(f"count-public-symbols: {missing} public symbols have no doc comment", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
