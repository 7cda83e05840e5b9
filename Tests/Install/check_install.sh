#!/usr/bin/env bash
# check_install.sh: `make install PREFIX=<a temporary folder>` puts every file where a Unix user looks for it —
# the library, header, pkg-config file and command, the man page (readable by man), and the bash, zsh and fish
# completions (each a script its shell accepts, naming the subcommands) — and the installed bkcc runs.
# Run by `make test-install`; leaves nothing behind.
set -euo pipefail
cd "$(dirname "$0")/../.."
prefix=$(mktemp -d "${TMPDIR:-/tmp}/bkcc-install.XXXXXX")
trap 'rm -rf "$prefix"' EXIT
failures=0
check() {  # check DESCRIPTION COMMAND…
  if "${@:2}" >/dev/null 2>&1; then echo "  ok: $1"; else echo "  FAILED: $1"; failures=$((failures + 1)); fi
}

make --no-print-directory install PREFIX="$prefix" >"$prefix.log" 2>&1 || { cat "$prefix.log"; rm -f "$prefix.log"; exit 1; }
rm -f "$prefix.log"
echo "make install PREFIX=$prefix:"
for file in lib/libbkcc.so.0 lib/libbkcc.so include/bkcc.h lib/pkgconfig/bkcc.pc bin/bkcc share/man/man1/bkcc.1 \
            share/bash-completion/completions/bkcc share/zsh/site-functions/_bkcc \
            share/fish/vendor_completions.d/bkcc.fish share/doc/bkcc/LICENSE share/doc/bkcc/CHANGELOG.md; do
  check "$file" test -s "$prefix/$file"
done
check "bin/bkcc runs (version)" "$prefix/bin/bkcc" --version
check "the man page's NAME names bkcc" grep -q '^\.Nm bkcc' "$prefix/share/man/man1/bkcc.1"
check "man bkcc points to each subcommand's page" sh -c "MANWIDTH=80 man -l '$prefix/share/man/man1/bkcc.1' 2>/dev/null | grep -q 'bkcc.batch-create-inst(1)'"
for sub in batch-create-inst validate config.show; do
  check "share/man/man1/bkcc.$sub.1" test -s "$prefix/share/man/man1/bkcc.$sub.1"
done
check "man finds the pages by name (MANPATH)" sh -c "MANPATH='$prefix/share/man' man -w bkcc.batch-create-inst | grep -q '$prefix'"
for page in "$prefix"/share/man/man1/*.1; do
  name=$(basename "$page")
  check "man renders $name without a warning, no line over 80 columns" sh -c \
    "out=\$(MANWIDTH=80 man -l '$page' 2>&1 >/dev/null) && [ -z \"\$out\" ] && [ \$(MANWIDTH=80 man -l '$page' 2>/dev/null | LC_ALL=C.UTF-8 wc -L) -le 80 ]"
done
check "bash accepts the bash completion" bash -n "$prefix/share/bash-completion/completions/bkcc"
check "the bash completion completes the subcommands" bash -c "source '$prefix/share/bash-completion/completions/bkcc' && complete -p bkcc"
check "the zsh completion defines _bkcc and its subcommands" sh -c "head -1 '$prefix/share/zsh/site-functions/_bkcc' | grep -q '^#compdef bkcc' && grep -q batch-create-inst '$prefix/share/zsh/site-functions/_bkcc'"
check "the fish completion names the subcommands" grep -q "batch-create-inst" "$prefix/share/fish/vendor_completions.d/bkcc.fish"
if command -v zsh >/dev/null; then check "zsh accepts the zsh completion" zsh -n "$prefix/share/zsh/site-functions/_bkcc"; fi
if command -v fish >/dev/null; then check "fish accepts the fish completion" fish -n "$prefix/share/fish/vendor_completions.d/bkcc.fish"; fi
check "pkg-config finds the installed library" sh -c "PKG_CONFIG_PATH='$prefix/lib/pkgconfig' pkg-config --libs bkcc | grep -q -- '-lbkcc'"
if [ "$failures" -ne 0 ]; then echo "make install: $failures check(s) failed"; exit 1; fi
echo "make install: every file in place"
