#!/usr/bin/env bash
# Sets up a fresh clone on Debian/Ubuntu.
#
#   bash scripts/setup.sh           # the main job only: the npm packages and the compiled CLI (tsc),
#                                   # enough for `node bin/tfbs.js score …` — a minute on a fresh clone
#   bash scripts/setup.sh --train   # also what training needs: PyTorch and OpenBLAS (Debian packages)
#   bash scripts/setup.sh --tests   # everything the test suite uses: training, the test-time tools
#                                   # (Debian packages, as root or with sudo) and the full build
#                                   # (webpack bundles for the extension); .ci/run and README command 2
#
# Idempotent: what is already there is not installed again. Works offline except for the npm registry
# and Debian's package mirrors. The end-to-end tools (code-server, Chromium) are installed by
# `npm run test:e2e` itself when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=main
for arg in "$@"; do
  case "$arg" in
    --train) [ "$mode" = tests ] || mode=train ;;
    --tests) mode=tests ;;
    *) echo "setup: unknown option $arg (--train, --tests)" >&2; exit 2 ;;
  esac
done

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

need=()
if [ "$mode" != main ]; then
  /usr/bin/python3 -c 'import torch, numpy' >/dev/null 2>&1 || need+=(python3-torch python3-numpy)
  dpkg -s libopenblas0-pthread >/dev/null 2>&1 || need+=(libopenblas0-pthread)
fi
# Test-time tools: h5py/SciPy/onnx for the importers' independent references and .mat fixtures,
# pyBigWig to read our bigWig files back, samtools/bcftools/tabix/bedtools for reference outputs and
# fixtures, Snakemake for the scale-out workflow, SLURM and munge for the single-node cluster the
# workflow tests start themselves (test/slurmCluster.ts), hypothesis for the Python side's property tests.
if [ "$mode" = tests ]; then
  for pkg in python3-h5py python3-scipy python3-onnx python3-pybigwig python3-hypothesis samtools bcftools tabix bedtools snakemake \
             slurmctld slurmd slurm-client munge; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
  done
fi
if [ "${#need[@]}" -gt 0 ]; then
  echo "setup: installing Debian packages: ${need[*]}"
  $SUDO apt-get update -qq
  # The SLURM and munge packages would start their daemons from /etc (slurmd's postinst fails the
  # install when that start fails, e.g. without a slurm.conf): nothing is started here, as in a
  # container (policy-rc.d exit 101); the tests run their own cluster from a temporary folder.
  made_policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod 755 /usr/sbin/policy-rc.d
    made_policy=1
  fi
  status=0
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null || status=$?
  [ -z "$made_policy" ] || $SUDO rm -f /usr/sbin/policy-rc.d
  [ "$status" -eq 0 ] || exit "$status"
fi

# onnxruntime-node's CPU binaries ship in the npm package; its install script would fetch CUDA
# binaries from outside the registry (.npmrc skips that; ONNXRUNTIME_NODE_INSTALL=cuda12 opts in).
export ONNXRUNTIME_NODE_INSTALL="${ONNXRUNTIME_NODE_INSTALL:-skip}"
# @tensorflow/tfjs-node (optional: a faster TF.js backend for imported TF.js models) downloads
# libtensorflow from outside the npm registry; the main job does without it (the WASM backend).
omit=()
[ "$mode" = tests ] || omit=(--omit=optional)
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error "${omit[@]}"
fi
# The CLI runs from tsc's output (bin/tfbs.js takes the newer of out/ and dist/); the webpack bundles
# are the extension's and the VSIX's, built for the tests.
if [ "$mode" = tests ]; then
  npm run --silent build
else
  npm run --silent compile
fi
