#!/usr/bin/env python3
"""fix-manual.py PAGE: makes the mdoc page that swift-argument-parser's generate-manual writes read as the help
does. generate-manual copies each discussion as it is: its blank lines are not mdoc (man warns "Empty input
line") and its indented example lines are filled into the paragraph around them (a command then reads as two).
Here each blank line becomes a paragraph break (.Pp) and each run of indented lines a literal display
(.Bd -literal … .Ed), so an example is shown whole, on its own line. Rewrites PAGE in place."""

import sys


def fix(text):
    out, literal = [], False
    for line in text.split("\n"):
        indented = line.startswith(" ") and line.strip() != ""
        if indented and not literal:
            out.append(".Bd -literal")
            literal = True
        elif not indented and literal:
            out.append(".Ed")
            literal = False
        if indented:
            out.append(line[2:] if line.startswith("  ") else line)
        elif line.strip() == "":
            out.append(".Pp")
        else:
            out.append(line)
    if literal:
        out.append(".Ed")
    # the page ends with a newline, which split() turned into a last empty line: not a paragraph
    while out and out[-1] == ".Pp":
        out.pop()
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    path = sys.argv[1]
    with open(path, encoding="utf-8") as f:
        page = f.read()
    with open(path, "w", encoding="utf-8") as f:
        f.write(fix(page))
