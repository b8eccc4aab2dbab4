#!/usr/bin/env bash
# Sets up a fresh clone on Debian/Ubuntu (as root or with sudo): the system packages training needs
# (PyTorch for the trainer, OpenBLAS so it is not 30x slower) and the tests use, the npm packages,
# and the build.
# Idempotent: what is already there is not installed again. Works offline except for the npm registry
# and Debian's package mirrors.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

need=()
/usr/bin/python3 -c 'import torch, numpy' >/dev/null 2>&1 || need+=(python3-torch python3-numpy)
dpkg -s libopenblas0-pthread >/dev/null 2>&1 || need+=(libopenblas0-pthread)
# Test-time tools: h5py/SciPy/onnx for the importers' independent references and .mat fixtures,
# pyBigWig to read our bigWig files back, samtools/bcftools/tabix/bedtools for reference outputs and
# fixtures, Snakemake for the scale-out workflow, SLURM and munge for the single-node cluster the
# workflow tests start themselves (test/slurmCluster.ts), hypothesis for the Python side's property tests.
for pkg in python3-h5py python3-scipy python3-onnx python3-pybigwig python3-hypothesis samtools bcftools tabix bedtools snakemake \
           slurmctld slurmd slurm-client munge; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
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
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
npm run --silent build
