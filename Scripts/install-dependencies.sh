#!/usr/bin/env bash
# Installs the Debian packages RankCollapse builds against, if any is missing:
# OpenBLAS (BLAS), LAPACKE (LAPACK's C interface), zlib (gzipped data files, .npz archives) and
# Fashion-MNIST (Debian's dataset-fashion-mnist: the IDX files the tests and examples read from
# /usr/share/datasets/fashion-mnist; tests that need them are skipped when it is absent).
# Run as root (or with sudo). Safe to run again: it does nothing when all are present.
set -euo pipefail

packages=(libopenblas-dev liblapacke-dev zlib1g-dev dataset-fashion-mnist)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$package")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-dependencies: all of ${packages[*]} are installed"
  exit 0
fi

echo "install-dependencies: installing ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
"${sudo_cmd[@]}" apt-get update
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
