"""Help reads well in an 80-column terminal: every example line of every command's discussion (the indented
lines of each `discussion: \"\"\"…\"\"\"` in Sources/bkcc-cli) fits in 80 columns and is shown whole, on one
line, by `bkcc help …` — a command that wraps reads as two."""

import glob
import os
import re

from .cli_support import ROOT

DISCUSSION = re.compile(r'discussion: """\n(.*?)\n( *)"""', re.S)
SUBCOMMAND = re.compile(r"^  ([a-z][a-z-]*) {2,}\S")


def every_help(bkcc):
    """The help of the root command and of every subcommand, found from each help's SUBCOMMANDS section."""
    pending, texts = [()], []
    while pending and len(texts) < 50:
        command = pending.pop(0)
        r = bkcc("help", *command, env={"COLUMNS": "80"})
        assert r.code == 0, r
        texts.append(r.out)
        listed = r.out.split("SUBCOMMANDS:\n", 1)[1].split("\n\n", 1)[0] if "SUBCOMMANDS:\n" in r.out else ""
        pending += [command + (m.group(1),) for m in map(SUBCOMMAND.match, listed.splitlines()) if m]
    return texts


def example_lines():
    found = []
    for path in sorted(glob.glob(os.path.join(ROOT, "Sources", "bkcc-cli", "**", "*.swift"), recursive=True)):
        with open(path, encoding="utf-8") as f:
            source = f.read()
        for body, indent in DISCUSSION.findall(source):
            for line in body.split("\n"):
                text = line[len(indent):]
                if text.startswith(" ") and text.strip():
                    found.append((os.path.relpath(path, ROOT), text.replace("\\\\", "\\")))
    return found


def test_every_example_fits_80_columns_and_is_shown_whole(bkcc):
    examples = example_lines()
    assert len(examples) >= 10
    # 77: the man pages show them 3 columns further in (5 in, without their own 2), and 80 columns must hold them
    too_long = [(path, len(text), text) for path, text in examples if len(text) > 77]
    assert not too_long, too_long
    texts = every_help(bkcc)
    assert len(texts) >= 5  # bkcc, batch-create-inst, validate, config, config show, version
    shown = {line for text in texts for line in text.splitlines()}
    missing = [(path, text) for path, text in examples if text not in shown]
    assert not missing, missing
