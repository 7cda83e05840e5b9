#!/usr/bin/env python3
"""Writes ``Client.__init__`` in bindings/python/bkcc/client.py from the library's one configuration table
(``bkcc_config_schema()``): one typed keyword argument per configuration key, with its help, default and
environment variables in the docstring, so that an editor completes and checks them. The code between the
BEGIN and END markers is replaced; nothing else is touched.

    python3 bindings/python/scripts/gen_client_signature.py          # rewrite client.py
    python3 bindings/python/scripts/gen_client_signature.py --check  # exit 1 when client.py is out of date

The library is ``$BKCC_LIBRARY``, else dist/lib/libbkcc.so.0 of this checkout (loaded with ctypes: the package
itself is not imported, since the code this writes may not be importable yet).
tests/test_usability.py runs the check, so a key added to the table without regenerating fails the tests.
"""

import ctypes
import json
import os
import sys
import textwrap

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE = os.path.dirname(HERE)
CLIENT = os.path.join(PACKAGE, "bkcc", "client.py")
BEGIN = "    # BEGIN configuration keys: generated from bkcc_config_schema() by scripts/gen_client_signature.py\n"
END = "    # END configuration keys\n"

TYPES = {"string": "str", "integer": "int", "number": "float", "boolean": "bool", "object": "Mapping[str, str]"}


def annotation(entry):
    if entry.get("choices"):
        return "Optional[Literal[%s]]" % ", ".join('"%s"' % choice for choice in entry["choices"])
    return "Optional[%s]" % TYPES[entry["type"]]


def describe(entry):
    words = entry["help"]
    if entry.get("required"):
        words += " Required."
    if entry.get("default") is not None:
        words += " Default: %s." % entry["default"]
    if entry.get("range"):
        low, high = entry["range"]
        words += " At least %s." % _number(low) if high is None else " %s to %s." % (_number(low), _number(high))
    if entry.get("secret"):
        words += " A secret: never shown by the library."
    if entry.get("environment"):
        words += " Client.from_env reads %s." % ", ".join(entry["environment"])
    return words


def pack(items, opening, closing, width=116):
    """``opening`` + the items joined by ", " + ``closing``, broken between items to fit ``width``."""
    indent = " " * len(opening)
    lines, line = [], opening
    for number, item in enumerate(items):
        piece = item + (", " if number < len(items) - 1 else closing)
        if len(line) + len(piece.rstrip()) > width and line.strip() not in ("", opening.strip()):
            lines.append(line.rstrip() + "\n")
            line = indent
        line += piece
    lines.append(line + "\n")
    return lines


def _number(value):
    return str(int(value)) if float(value).is_integer() else str(value)


def generate(schema):
    lines = [BEGIN]
    lines.append("    def __init__(\n")
    lines.append("        self,\n")
    lines.append("        *,\n")
    lines += ["        %s: %s = None,\n" % (entry["key"], annotation(entry)) for entry in schema]
    lines.append("        **extra: Any,\n")
    lines.append("    ) -> None:\n")
    lines.append('        """A client configured by the library\'s configuration keys (``bkcc_config_schema()``). A None\n')
    lines.append("        value leaves the key out (the library's default applies); a wrong type or value raises\n")
    lines.append("        ``InvalidArgumentError`` naming the key.\n\n")
    lines.append("        Args:\n")
    for entry in schema:
        text = "%s: %s" % (entry["key"], describe(entry))
        wrapped = textwrap.wrap(text, 104, initial_indent=" " * 12, subsequent_indent=" " * 16)
        lines += [line + "\n" for line in wrapped]
    lines.append("            extra: any other key, passed on as it is (one a newer library knows); an unknown key raises\n")
    lines.append("                ``InvalidArgumentError`` naming it.\n")
    lines.append('        """\n')
    lines += pack(['"%s": %s' % (e["key"], e["key"]) for e in schema], "        config: Dict[str, Any] = {", "}")
    lines.append("        config.update(extra)\n")
    lines.append("        self._open(config)\n")
    lines.append(END)
    return "".join(lines)


def config_schema():
    """The JSON text of ``bkcc_config_schema()`` (a static string of the library)."""
    path = os.environ.get("BKCC_LIBRARY") or os.path.join(PACKAGE, "..", "..", "dist", "lib", "libbkcc.so.0")
    lib = ctypes.CDLL(path)
    lib.bkcc_config_schema.restype = ctypes.c_char_p
    lib.bkcc_config_schema.argtypes = []
    return lib.bkcc_config_schema()


def main(argv):
    schema = json.loads(config_schema())
    with open(CLIENT, encoding="utf-8") as f:
        source = f.read()
    start, end = source.index(BEGIN), source.index(END) + len(END)
    updated = source[:start] + generate(schema) + source[end:]
    if "--check" in argv:
        if updated != source:
            print("bindings/python/bkcc/client.py: Client.__init__ is not what bkcc_config_schema() gives; run "
                  "python3 bindings/python/scripts/gen_client_signature.py", file=sys.stderr)
            return 1
        return 0
    if updated != source:
        with open(CLIENT, "w", encoding="utf-8") as f:
            f.write(updated)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
