#!/usr/bin/env bash
# Installs the Debian packages bkcc builds and tests with, when they are missing and we are root.
# Prints what is missing otherwise. Idempotent and quiet when everything is there.
set -euo pipefail
packages=(libjansson-dev libcurl4-openssl-dev libzip-dev libexpat1-dev libxxhash-dev pkg-config valgrind binutils openssl man-db)
missing=()
for p in "${packages[@]}"; do
  grep -q 'install ok installed' <<< "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" || missing+=("$p")  # no pipe: see check-exports.sh
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
  echo "installing: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "missing Debian packages: ${missing[*]} (run: sudo apt-get install ${missing[*]})" >&2
  exit 1
fi
