#!/usr/bin/env bash
# Rebuilds the bundled sample binaries from their assembly sources (needs nasm).
# The built files are committed so the demo runs with no toolchain.
set -euo pipefail
cd "$(dirname "$0")/.."
for src in apps/cli/samples/*.asm; do
  nasm -f bin -o "${src%.asm}.bin" "$src"
  echo "built ${src%.asm}.bin ($(wc -c < "${src%.asm}.bin") bytes)"
done
