"""Static checks of a generated extension's Python, printed as JSON:

* every .py parses with Python 3.9 grammar and compiles;
* every slicer.util name (attribute or import) exists in Slicer's API list, and keyword
  arguments given to it exist in its signature;
* every ScriptedLoadableModule class imported exists, and every `Base.method(...)` call on
  those classes names a real method;
* with --hostile FILE (a JSON list of strings) and --marker WORD: each hostile value appears in
  the Python only as a whole string constant, and WORD never appears outside string tokens.

usage: check_generated.py <extension_dir> <api.json> [--hostile FILE --marker WORD]
"""

import ast
import io
import json
import os
import re
import sys
import tokenize


def params(signature):
    inside = signature[signature.index("(") + 1:signature.rindex(")")]
    names = set()
    for part in re.split(r",\s*(?![^()]*\))", inside):
        name = part.split("=")[0].strip().lstrip("*")
        if name:
            names.add(name)
    return names


def main(argv):
    root, api_path = argv[0], argv[1]
    hostile = json.load(open(argv[argv.index("--hostile") + 1])) if "--hostile" in argv else []
    marker = argv[argv.index("--marker") + 1] if "--marker" in argv else None
    api = json.load(open(api_path))
    util = {f["name"]: f["signature"] for f in api["slicer.util"]["top_level_functions"]}
    util.update({c["name"]: "{}()".format(c["name"]) for c in api["slicer.util"]["top_level_classes"]})
    slm = {c["name"]: {m["name"] for m in c["methods"]} for c in api["slicer.ScriptedLoadableModule"]["classes"]}
    errors, used_util, used_slm, files = [], set(), set(), 0
    constants = set()
    for folder, _dirs, names in os.walk(root):
        for name in sorted(names):
            if not name.endswith(".py"):
                continue
            path = os.path.join(folder, name)
            rel = os.path.relpath(path, root)
            source = open(path, encoding="utf-8").read()
            files += 1
            try:
                tree = ast.parse(source, rel, feature_version=(3, 9))
                compile(source, rel, "exec")
            except SyntaxError as error:
                errors.append("{}: {}".format(rel, error))
                continue
            for node in ast.walk(tree):
                if isinstance(node, ast.Constant) and isinstance(node.value, str):
                    constants.add(node.value)
                if isinstance(node, ast.ImportFrom) and node.module == "slicer.util":
                    for alias in node.names:
                        used_util.add(alias.name)
                        if alias.name not in util:
                            errors.append("{}: slicer.util has no {}".format(rel, alias.name))
                if isinstance(node, ast.ImportFrom) and node.module == "slicer.ScriptedLoadableModule":
                    for alias in node.names:
                        used_slm.add(alias.name)
                        if alias.name not in slm:
                            errors.append("{}: ScriptedLoadableModule has no {}".format(rel, alias.name))
                if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute) \
                        and isinstance(node.value.value, ast.Name) and node.value.value.id == "slicer" \
                        and node.value.attr == "util":
                    used_util.add(node.attr)
                    if node.attr not in util:
                        errors.append("{}:{}: slicer.util has no {}".format(rel, node.lineno, node.attr))
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                    func = node.func
                    if isinstance(func.value, ast.Attribute) and func.value.attr == "util" \
                            and isinstance(func.value.value, ast.Name) and func.value.value.id == "slicer" \
                            and func.attr in util:
                        allowed = params(util[func.attr])
                        for keyword in node.keywords:
                            if keyword.arg and keyword.arg not in allowed and "kwargs" not in allowed:
                                errors.append("{}:{}: slicer.util.{} has no argument {}".format(
                                    rel, node.lineno, func.attr, keyword.arg))
                    if isinstance(func.value, ast.Name) and func.value.id in slm:
                        used_slm.add("{}.{}".format(func.value.id, func.attr))
                        if func.attr not in slm[func.value.id]:
                            errors.append("{}:{}: {} has no method {}".format(
                                rel, node.lineno, func.value.id, func.attr))
            if marker:
                for token in tokenize.generate_tokens(io.StringIO(source).readline):
                    if token.type != tokenize.STRING and marker in token.string:
                        errors.append("{}:{}: {} outside a string: {!r}".format(
                            rel, token.start[0], marker, token.string))
    for value in hostile:
        if not any(value in c for c in constants):
            errors.append("hostile value not found as a string constant: {!r}".format(value))
    print(json.dumps({"files": files, "errors": errors, "util": sorted(used_util), "slm": sorted(used_slm)}))


if __name__ == "__main__":
    main(sys.argv[1:])
