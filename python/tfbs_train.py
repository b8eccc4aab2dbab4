#!/usr/bin/env python3
"""Trains a DanQ-family model (Conv1D -> MaxPool -> BiLSTM -> dense head) on a prepared TFBS Lens
dataset directory and exports it as a TFBS Lens model package (model.onnx + model.json).

The TypeScript side (src/training/) spawns this script and reads its stdout: one JSON object per line
(type start / step / epoch / done / error). Human-readable messages go to stderr. Only the standard
library, numpy and torch are used. The training recipes (--rc-shared, --shift-augment, --input-dropout,
--ema, --swa-epochs, --motif-priors, --pos-weight) live in tfbs_recipes.py beside this file.

Exit codes: 0 done, 1 failure, 2 usage, 3 bad input data, 4 environment (torch/CUDA), 130 cancelled
(SIGINT/SIGTERM: the run stops at the next step boundary; the last complete checkpoint is kept).
"""
import os
import signal

# A stop request that arrives while the modules load (torch takes a second or more) is remembered,
# not turned into a KeyboardInterrupt traceback; StopFlag takes it over.
_EARLY_SIGNALS = []
for _sig in (signal.SIGINT, signal.SIGTERM):
    signal.signal(_sig, lambda signum, _frame: _EARLY_SIGNALS.append(signum))

# OpenBLAS reads its thread count when numpy loads it; set it before importing numpy. One torch
# intra-op thread with two BLAS threads is 2-5x faster than the defaults on small machines
# (measured, notes/engines.md).
if "OPENBLAS_NUM_THREADS" not in os.environ:
    os.environ["OPENBLAS_NUM_THREADS"] = str(max(1, min(4, os.cpu_count() or 1)))

import argparse
import contextlib
import hashlib
import json
import math
import random
import shutil
import sys
import time

import tfbs_first_layer as first_layer
import tfbs_recipes as recipes

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INPUT = 3
EXIT_ENVIRONMENT = 4
EXIT_CANCELLED = 130

MIN_TORCH = (1, 13)
LOG_FILE = "training-log.jsonl"
CHECKPOINT_FILE = "checkpoint.pt"
BEST_FILE = "best.pt"
PACKAGE_DIR = "package"
PARITY_FILE = "parity.json"
METRICS_FILE = "metrics.json"
CHECKPOINT_FORMAT = "tfbs-lens-checkpoint"
DATASET_FORMAT = "tfbs-lens-dataset"
CHANNELS = ["A", "G", "C", "T"]
# Mean ROC AUC counts only experiments with at least this many positives in the split (the same rule
# as `tfbs evaluate`): an AUC over two positives is noise.
MIN_POSITIVES = 5

# Architecture presets. Every size that depends on the input length (the LSTM's sequence length, the
# flatten width) is derived from it, so any preset runs on any window length that is long enough.
PRESETS = {
    # Quang & Xie 2016 (DanQ): 46.7 M parameters at L=1000 with 690 outputs.
    "danq": {
        "conv_filters": 320, "conv_kernel": 26, "pool": 13, "conv_dropout": 0.2,
        "lstm_hidden": 320, "lstm_dropout": 0.5, "dense_units": 925,
    },
    # The shipped model: DanQ's convolution, a BiLSTM of 64 per direction and a position-keeping
    # flatten head (about 2.9 M parameters at L=1000). On 10k training windows it matched DanQ and
    # trained 3x faster; global pooling heads lost 0.05-0.08 ROC AUC (notes/training.md).
    "compact": {
        "conv_filters": 320, "conv_kernel": 26, "pool": 13, "conv_dropout": 0.2,
        "lstm_hidden": 64, "lstm_dropout": 0.5, "dense_units": 256,
    },
    # For short windows (e.g. 50 bp motif sets) and tests: seconds per epoch on a CPU.
    "tiny": {
        "conv_filters": 32, "conv_kernel": 11, "pool": 4, "conv_dropout": 0.1,
        "lstm_hidden": 16, "lstm_dropout": 0.2, "dense_units": 32,
    },
}
ARCH_KEYS = {
    "conv_filters": int, "conv_kernel": int, "pool": int, "conv_dropout": float,
    "lstm_hidden": int, "lstm_dropout": float, "dense_units": int,
}


class TrainError(Exception):
    """An error for the user: kind is input / usage / environment / io / failure."""

    def __init__(self, kind, message, file=None, field=None):
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.file = file
        self.field = field


EXIT_BY_KIND = {"input": EXIT_INPUT, "usage": EXIT_USAGE, "environment": EXIT_ENVIRONMENT,
                "io": EXIT_FAILURE, "failure": EXIT_FAILURE, "cancelled": EXIT_CANCELLED}


class Cancelled(Exception):
    pass


# --------------------------------------------------------------------------------------------------
# Output: JSON lines on stdout (also appended to the run's log), human messages on stderr.

class Reporter:
    def __init__(self):
        self.log_path = None

    def open_log(self, path):
        self.log_path = path

    def emit(self, obj):
        obj = dict(obj)
        obj.setdefault("time", round(time.time(), 3))
        line = json.dumps(obj, separators=(",", ":"), allow_nan=False, default=_json_default)
        sys.stdout.write(line + "\n")
        sys.stdout.flush()
        if self.log_path:
            with open(self.log_path, "a", encoding="utf-8") as f:
                f.write(line + "\n")

    @staticmethod
    def say(message):
        sys.stderr.write(message + "\n")
        sys.stderr.flush()


def _json_default(value):
    if hasattr(value, "item"):
        return value.item()
    raise TypeError("not JSON serialisable: %r" % (value,))


def finite_or_none(x):
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


REPORT = Reporter()


# --------------------------------------------------------------------------------------------------
# Stop requests: SIGINT/SIGTERM set a flag that the loop checks between steps; a repeated signal
# (a terminal's Ctrl-C reaches both the CLI and this process) changes nothing.

class StopFlag:
    def __init__(self):
        self.signal_name = None

    def install(self):
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self._handle)
        if _EARLY_SIGNALS:
            self._handle(_EARLY_SIGNALS[0], None)

    def _handle(self, signum, _frame):
        if self.signal_name is None:
            self.signal_name = signal.Signals(signum).name
            REPORT.say("%s received: stopping at the next step boundary (the last complete checkpoint is kept)"
                       % self.signal_name)

    @property
    def requested(self):
        return self.signal_name is not None

    def check(self):
        if self.requested:
            raise Cancelled()


STOP = StopFlag()


def debug_pause(point):
    """Test hook: TFBS_TRAIN_DEBUG_PAUSE=point:seconds sleeps at a named point (used to kill the
    process at a known moment in tests). Not for users."""
    spec = os.environ.get("TFBS_TRAIN_DEBUG_PAUSE", "")
    if not spec:
        return
    name, _, seconds = spec.partition(":")
    if name == point:
        REPORT.say("debug pause at %s" % point)
        time.sleep(float(seconds or "5"))


def debug_fail(point, **where):
    """Test hook: TFBS_TRAIN_DEBUG_FAIL=point[:N] raises the error a real failure at that point would
    (a CUDA out-of-memory at training step N, an exporter that cannot handle the graph), so that the
    tests can check what the user sees without a GPU or a newer torch. Not for users."""
    spec = os.environ.get("TFBS_TRAIN_DEBUG_FAIL", "")
    if not spec:
        return
    name, _, at = spec.partition(":")
    if name != point or (at and str(where.get("step")) != at):
        return
    if point == "step":
        raise RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 15.78 GiB total capacity; "
                           "13.90 GiB already allocated) [simulated by TFBS_TRAIN_DEBUG_FAIL]")
    if point == "export":
        raise RuntimeError("Exporting the operator 'aten::lstm' failed in the new exporter [simulated by TFBS_TRAIN_DEBUG_FAIL]")
    raise RuntimeError("simulated failure at %s [TFBS_TRAIN_DEBUG_FAIL]" % point)


# --------------------------------------------------------------------------------------------------
# Environment

def import_torch():
    try:
        import torch  # noqa: F401
    except ImportError as e:
        raise TrainError("environment", "PyTorch is not installed for %s (%s). Install it: "
                         "sudo apt-get install python3-torch libopenblas0-pthread, or pip install torch"
                         % (sys.executable, e))
    version = parse_version(torch.__version__)
    if version < MIN_TORCH:
        raise TrainError("environment", "PyTorch %s is too old (need >= %d.%d); upgrade it: pip install --upgrade torch"
                         % (torch.__version__, MIN_TORCH[0], MIN_TORCH[1]))
    return torch


def parse_version(text):
    parts = []
    for piece in text.split("+")[0].split(".")[:2]:
        digits = "".join(ch for ch in piece if ch.isdigit()) or "0"
        parts.append(int(digits))
    while len(parts) < 2:
        parts.append(0)
    return tuple(parts)


# --------------------------------------------------------------------------------------------------
# Data: a prepared dataset directory (written by src/training/datasets prepareDataset).

class Split:
    def __init__(self, name, x, y):
        self.name = name
        self.x = x
        self.y = y

    @property
    def count(self):
        return int(self.x.shape[0])


def load_dataset(directory, np):
    directory = os.path.abspath(directory)
    if not os.path.isdir(directory):
        raise TrainError("input", "no such dataset directory", file=directory)
    manifest_path = os.path.join(directory, "dataset.json")
    if not os.path.isfile(manifest_path):
        raise TrainError("input", "not a prepared dataset: dataset.json is missing", file=directory)
    try:
        with open(manifest_path, "r", encoding="utf-8") as f:
            manifest = json.load(f)
    except ValueError as e:
        raise TrainError("input", "not valid JSON (%s)" % e, file=manifest_path)
    if not isinstance(manifest, dict) or manifest.get("format") != DATASET_FORMAT:
        raise TrainError("input", 'format must be "%s"' % DATASET_FORMAT, file=manifest_path, field="format")
    if manifest.get("formatVersion") != 1:
        raise TrainError("input", "unknown formatVersion %r (this trainer reads 1)" % manifest.get("formatVersion"),
                         file=manifest_path, field="formatVersion")
    length = manifest.get("inputLength")
    if not isinstance(length, int) or length < 1:
        raise TrainError("input", "must be a positive integer", file=manifest_path, field="inputLength")
    targets = manifest.get("targets")
    if not isinstance(targets, list) or not targets or not all(isinstance(t, str) and t.strip() for t in targets):
        raise TrainError("input", "must be a non-empty list of names", file=manifest_path, field="targets")
    bin_size = manifest.get("binSize")
    # A model package allows these bin sizes only (src/core/windows.ts); refusing others now saves
    # a training whose export would be rejected.
    if bin_size not in (50, 100, 200):
        raise TrainError("input", "must be 50, 100 or 200; found %r" % (bin_size,), file=manifest_path, field="binSize")
    if bin_size > length:
        raise TrainError("input", "%d bp bins do not fit in %d bp windows" % (bin_size, length), file=manifest_path,
                         field="binSize")

    splits = {}
    for name in ("train", "valid", "test"):
        x = load_array(os.path.join(directory, "%s_X.npy" % name), np, required=name != "test")
        y = load_array(os.path.join(directory, "%s_y.npy" % name), np, required=name != "test")
        if x is None and y is None:
            continue
        if x is None or y is None:
            missing = "%s_X.npy" % name if x is None else "%s_y.npy" % name
            raise TrainError("input", "%s is missing" % missing, file=directory)
        check_split(name, x, y, length, len(targets), directory, np)
        splits[name] = Split(name, x, y)
    if splits["train"].count == 0:
        raise TrainError("input", "the training split is empty", file=os.path.join(directory, "train_X.npy"))
    if splits["valid"].count == 0:
        raise TrainError("input", "the validation split is empty (early stopping needs it)",
                         file=os.path.join(directory, "valid_X.npy"))
    return manifest, splits


def load_array(path, np, required):
    if not os.path.isfile(path):
        if required:
            raise TrainError("input", "missing", file=path)
        return None
    try:
        return np.load(path, mmap_mode="r", allow_pickle=False)
    except Exception as e:  # numpy raises ValueError/OSError variants for a bad header
        raise TrainError("input", "not a readable .npy array (%s)" % e, file=path)


def check_split(name, x, y, length, target_count, directory, np):
    xf = os.path.join(directory, "%s_X.npy" % name)
    yf = os.path.join(directory, "%s_y.npy" % name)
    if x.ndim != 3 or x.shape[2] != 4:
        raise TrainError("input", "must have shape (N, L, 4) (one-hot A,G,C,T); found %s" % (x.shape,), file=xf)
    if x.shape[1] != length:
        raise TrainError("input", "windows are %d bp but dataset.json says inputLength %d" % (x.shape[1], length), file=xf)
    if y.ndim != 2:
        raise TrainError("input", "must have shape (N, targets); found %s" % (y.shape,), file=yf)
    if y.shape[0] != x.shape[0]:
        raise TrainError("input", "has %d rows but %s_X.npy has %d: the arrays disagree" % (y.shape[0], name, x.shape[0]),
                         file=yf)
    if y.shape[1] != target_count:
        raise TrainError("input", "has %d label columns but dataset.json lists %d targets" % (y.shape[1], target_count),
                         file=yf)
    for arr, f in ((x, xf), (y, yf)):
        if arr.dtype.kind not in "biuf":
            raise TrainError("input", "has dtype %s; expected uint8" % arr.dtype, file=f)
    # Labels: all of them (N x T bytes is small). Windows: a sample of rows, since a full scan of a
    # multi-gigabyte X would cost minutes; the checked rows are every k-th, so a wholesale mistake
    # (wrong encoding, counts instead of one-hot) is caught.
    chunk = 4096
    for start in range(0, y.shape[0], chunk):
        block = np.asarray(y[start:start + chunk])
        bad = np.nonzero((block != 0) & (block != 1))
        if bad[0].size:
            r, c = int(bad[0][0]) + start, int(bad[1][0])
            raise TrainError("input", "labels must be 0 or 1; row %d, column %d holds %s" % (r, c, block[r - start, c].item()),
                             file=yf)
    rows = np.unique(np.linspace(0, x.shape[0] - 1, num=min(x.shape[0], 2000)).astype(np.int64)) if x.shape[0] else []
    if len(rows):
        sample = np.asarray(x[rows])
        bad_value = np.nonzero((sample != 0) & (sample != 1))
        if bad_value[0].size:
            r = int(rows[bad_value[0][0]])
            raise TrainError("input", "windows must be one-hot (0/1); row %d holds %s" % (r, sample[bad_value].flat[0].item()),
                             file=xf)
        sums = sample.sum(axis=2)
        if (sums > 1).any():
            r = int(rows[np.nonzero(sums > 1)[0][0]])
            raise TrainError("input", "row %d has a position with more than one base set (not one-hot)" % r, file=xf)


def dataset_fingerprint(directory, manifest, splits):
    h = hashlib.sha256()
    h.update(json.dumps(manifest, sort_keys=True).encode("utf-8"))
    for name in sorted(splits):
        h.update(("%s:%s:%s" % (name, splits[name].x.shape, splits[name].y.shape)).encode("utf-8"))
    return h.hexdigest()[:16]


# --------------------------------------------------------------------------------------------------
# Model

def build_model(torch, config, input_length, output_count, rc_shared=False, motif_weight=None):
    """The network. rc_shared / motif_weight change only how the first convolution's filters are
    parametrised (python/tfbs_recipes.py first_conv); without them it is a plain nn.Conv1d, and the
    export always is (plain_model)."""
    nn = torch.nn

    class DanQFamily(nn.Module):
        """(B, L, 4) one-hot in NLC layout -> (B, outputs) logits. The transpose to the NCL layout that
        Conv1d wants happens inside, so the exported graph takes what the scorer feeds."""

        def __init__(self):
            super().__init__()
            c = config
            conv_len = input_length - c["conv_kernel"] + 1
            steps = conv_len // c["pool"]
            if conv_len < 1 or steps < 1:
                raise TrainError("usage", "input length %d bp is too short for conv_kernel %d and pool %d "
                                 "(need at least %d bp); choose a smaller kernel or pool (--arch conv_kernel=...,pool=...)"
                                 % (input_length, c["conv_kernel"], c["pool"], c["conv_kernel"] + c["pool"] - 1),
                                 field="architecture")
            self.steps = steps
            filters = recipes.conv_filter_count(c, motif_weight)
            self.conv = recipes.first_conv(torch, 4, c["conv_filters"], c["conv_kernel"], rc_shared, motif_weight)
            self.pool = nn.MaxPool1d(c["pool"], c["pool"])
            self.conv_dropout = nn.Dropout(c["conv_dropout"])
            if c["lstm_hidden"] > 0:
                self.lstm = nn.LSTM(filters, c["lstm_hidden"], batch_first=True, bidirectional=True)
                width = 2 * c["lstm_hidden"]
            else:
                self.lstm = None
                width = filters
            self.lstm_dropout = nn.Dropout(c["lstm_dropout"])
            self.dense = nn.Linear(steps * width, c["dense_units"])
            self.out = nn.Linear(c["dense_units"], output_count)
            # Training on the CPU turns this on (python/tfbs_first_layer.py: the same function, ~1.9x
            # faster steps); the export never does, so its graph stays Conv1d -> ReLU -> MaxPool1d.
            self.fast_first_layer = False
            self.pool_size = c["pool"]

        def forward(self, x):
            if self.fast_first_layer:
                w, b = recipes.first_layer_weights(self.conv)
                h = self.conv_dropout(first_layer.conv_relu_pool(torch, x, w, b, self.pool_size))  # (B, steps, filters)
            else:
                h = x.transpose(1, 2)  # (B, 4, L)
                h = self.pool(torch.relu(self.conv(h)))
                h = self.conv_dropout(h)
                h = h.transpose(1, 2)  # (B, steps, filters)
            if self.lstm is not None:
                h, _ = self.lstm(h)
            h = self.lstm_dropout(h)
            h = h.flatten(1)  # keeps position: the label belongs to the central bin
            h = torch.relu(self.dense(h))
            return self.out(h)

    return DanQFamily()


def plain_model(torch, model, config, input_length, output_count, motif_weight):
    """The exported network: a plain DanQFamily (one nn.Conv1d) holding `model`'s current weights,
    with a recipe's first layer materialised (RC pairs and frozen motif filters written out)."""
    export_config = dict(config, conv_filters=recipes.conv_filter_count(config, motif_weight))
    plain = build_model(torch, export_config, input_length, output_count)
    plain.load_state_dict({k: v.to("cpu") for k, v in recipes.plain_state_dict(model).items()})
    return plain.eval()


def resolve_config(preset, overrides):
    if preset not in PRESETS:
        raise TrainError("usage", "unknown preset %r; choose one of %s" % (preset, ", ".join(sorted(PRESETS))),
                         field="preset")
    config = dict(PRESETS[preset])
    for key, value in (overrides or {}).items():
        if key not in ARCH_KEYS:
            raise TrainError("usage", "unknown architecture setting %r; known: %s" % (key, ", ".join(sorted(ARCH_KEYS))),
                             field="arch")
        try:
            typed = ARCH_KEYS[key](value)
        except (TypeError, ValueError):
            raise TrainError("usage", "architecture setting %s must be a number, found %r" % (key, value), field="arch")
        if ARCH_KEYS[key] is int and (typed != float(value) or typed < (0 if key == "lstm_hidden" else 1)):
            raise TrainError("usage", "architecture setting %s must be a %s integer, found %r"
                             % (key, "non-negative" if key == "lstm_hidden" else "positive", value), field="arch")
        if ARCH_KEYS[key] is float and not (0.0 <= typed < 1.0):
            raise TrainError("usage", "architecture setting %s is a dropout rate in [0, 1), found %r" % (key, value),
                             field="arch")
        config[key] = typed
    return config


def count_parameters(model):
    return int(sum(p.numel() for p in model.parameters()))


# --------------------------------------------------------------------------------------------------
# Metrics (numpy): ROC AUC with tied scores counted as half, average precision as sklearn defines it.

def rank_average(values, np):
    order = np.argsort(values, kind="mergesort")
    sorted_values = values[order]
    ranks = np.empty(len(values), dtype=np.float64)
    boundaries = np.concatenate(([0], np.nonzero(np.diff(sorted_values))[0] + 1, [len(values)]))
    for start, end in zip(boundaries[:-1], boundaries[1:]):
        ranks[order[start:end]] = (start + end + 1) / 2.0  # average of ranks start+1 .. end
    return ranks


def roc_auc(labels, scores, np):
    positives = labels == 1
    n_pos = int(positives.sum())
    n_neg = len(labels) - n_pos
    if n_pos == 0 or n_neg == 0:
        return None
    ranks = rank_average(scores.astype(np.float64), np)
    return float((ranks[positives].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def average_precision(labels, scores, np):
    n_pos = int((labels == 1).sum())
    if n_pos == 0:
        return None
    order = np.argsort(-scores.astype(np.float64), kind="mergesort")
    s = scores[order]
    l = labels[order].astype(np.float64)
    tp = np.cumsum(l)
    fp = np.cumsum(1 - l)
    last_of_threshold = np.concatenate((np.nonzero(np.diff(s))[0], [len(s) - 1]))
    tp, fp = tp[last_of_threshold], fp[last_of_threshold]
    precision = tp / (tp + fp)
    recall = tp / n_pos
    previous_recall = np.concatenate(([0.0], recall[:-1]))
    return float(np.sum((recall - previous_recall) * precision))


def summarise_predictions(labels, probs, targets, np):
    per_target = []
    aucs, aps = [], []
    for t in range(labels.shape[1]):
        y = np.asarray(labels[:, t])
        p = probs[:, t]
        positives = int(y.sum())
        entry = {"index": t, "name": targets[t], "positives": positives, "negatives": int(len(y) - positives),
                 "rocAuc": None, "averagePrecision": None}
        if positives >= MIN_POSITIVES and positives < len(y):
            entry["rocAuc"] = roc_auc(y, p, np)
            entry["averagePrecision"] = average_precision(y, p, np)
            aucs.append(entry["rocAuc"])
            aps.append(entry["averagePrecision"])
        per_target.append(entry)
    return {
        "meanRocAuc": float(np.mean(aucs)) if aucs else None,
        "meanAveragePrecision": float(np.mean(aps)) if aps else None,
        "medianRocAuc": float(np.median(aucs)) if aucs else None,
        "qualifying": len(aucs),
        "minPositives": MIN_POSITIVES,
        "samples": int(labels.shape[0]),
        "perTarget": per_target,
    }


# --------------------------------------------------------------------------------------------------
# Training

def batch_tensor(torch, np, array, indices, flips=None):
    """Rows `indices` (sorted, for mmap locality) as float32; rows with flips[i] are reverse
    complemented, which in A,G,C,T order is a flip of both the position and the channel axis."""
    block = np.asarray(array[indices], dtype=np.float32)
    if flips is not None and flips.any():
        block[flips] = block[flips][:, ::-1, ::-1]
    return torch.from_numpy(np.ascontiguousarray(block))


def training_batch(torch, np, split, idx, flips, shifts, stride, dropout, rng):
    """A training batch: rows `idx`, shifted (shift augmentation), with input dropout, then reverse
    complemented where flips says so. Without the recipes it is exactly batch_tensor's. Returns the
    tensor and how many shifted windows were filled from a neighbour / padded with N."""
    if shifts is None:
        block = np.asarray(split.x[idx], dtype=np.float32)
        filled = padded = 0
    else:
        block, filled, padded = recipes.shift_windows(np, split.x, idx, shifts, stride)
    if dropout:
        recipes.input_dropout(np, block, dropout, rng)
    if flips is not None and flips.any():
        block[flips] = block[flips][:, ::-1, ::-1]
    return torch.from_numpy(np.ascontiguousarray(block)), filled, padded


@contextlib.contextmanager
def weights_swapped(model, state):
    """Runs the body with `state` loaded into the model (the averaged weights), then puts the
    training weights back (also on a cancel)."""
    if state is None:
        yield
        return
    raw = {k: v.detach().clone() for k, v in model.state_dict().items()}
    model.load_state_dict(state)
    try:
        yield
    finally:
        model.load_state_dict(raw)


def predict(torch, np, model, split, device, batch_size, reverse_complement_average=True):
    """Probabilities for a whole split, forward strand and reverse complement averaged."""
    model.eval()
    outputs = []
    with torch.no_grad():
        for start in range(0, split.count, batch_size):
            idx = np.arange(start, min(split.count, start + batch_size))
            x = batch_tensor(torch, np, split.x, idx).to(device)
            p = torch.sigmoid(model(x))
            if reverse_complement_average:
                p = (p + torch.sigmoid(model(torch.flip(x, dims=(1, 2))))) / 2
            outputs.append(p.float().cpu().numpy())
            STOP.check()
    return np.concatenate(outputs, axis=0) if outputs else np.zeros((0, split.y.shape[1]), dtype=np.float32)


def bce(np, labels, probs, pos_weight=None):
    return recipes.weighted_bce(np, labels, probs, pos_weight)


def atomic_torch_save(torch, obj, path):
    """Writes a temporary file, syncs it, renames it over `path` and syncs the directory: a process
    killed (or a machine that loses power) mid-save leaves the previous checkpoint whole."""
    tmp = "%s.tmp-%d" % (path, os.getpid())
    torch.save(obj, tmp)
    with open(tmp, "rb") as f:
        os.fsync(f.fileno())
    debug_pause("checkpoint")
    os.replace(tmp, path)
    fsync_directory(os.path.dirname(path))


def fsync_directory(directory):
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return  # e.g. Windows: directories cannot be opened; the rename is still atomic
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def remove_stale_temporaries(work):
    """Temporary files of a trainer that was killed mid-save (another pid) are never complete."""
    mine = ".tmp-%d" % os.getpid()
    for name in os.listdir(work):
        base, sep, pid = name.rpartition(".tmp-")
        if sep and pid.isdigit() and base in (CHECKPOINT_FILE, BEST_FILE, PACKAGE_DIR) and not name.endswith(mine):
            target = os.path.join(work, name)
            if os.path.isdir(target):
                shutil.rmtree(target, ignore_errors=True)
            else:
                try:
                    os.remove(target)
                except OSError:
                    pass


def usable_cores():
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def default_threads():
    """torch intra-op threads when --threads is not given: the cores this process may use, except on
    machines of two cores or fewer, where one torch thread (with OpenBLAS's own two) measured faster:
    3.4k vs 0.6k windows/s (tiny preset, 50 bp) and 43 vs 14 windows/s (compact, 1000 bp) for one vs two
    torch threads on a shared 2-core AMD EPYC; two threads there contend with BLAS and each other."""
    cores = usable_cores()
    return 1 if cores <= 2 else cores


def seed_everything(torch, np, seed):
    random.seed(seed)
    np.random.seed(seed % (2 ** 32))
    torch.manual_seed(seed)


# Training recipes: the defaults of every setting the user does not give. "danq" is the DanQ paper's
# own protocol (Quang & Xie 2016, DanQ_train.py): its architecture, RMSprop (Keras defaults: lr 0.001,
# rho 0.9, epsilon 1e-6), batch 100, at most 60 epochs, early stopping after 5 without a lower
# validation loss, the epoch with the lowest validation loss kept.
PROTOCOLS = {
    "default": {"preset": "compact", "epochs": 10, "batch": 100, "lr": 1e-3, "weight_decay": 0.0, "patience": 3,
                "optimizer": "adam"},
    "danq": {"preset": "danq", "epochs": 60, "batch": 100, "lr": 1e-3, "weight_decay": 0.0, "patience": 5,
             "optimizer": "rmsprop"},
}
OPTIMIZERS = ("adam", "adamw", "rmsprop")
# --monitor: what early stopping and --select best watch, in words for the log.
MONITOR_WORDS = {"loss": "lowest validation loss", "roc-auc": "highest validation mean ROC AUC"}


def make_optimizer(torch, model, hyper):
    name = hyper.get("optimizer", "adam")
    if name == "rmsprop":
        # Keras' RMSprop: rho 0.9 (PyTorch calls it alpha, default 0.99), epsilon added outside the root.
        return torch.optim.RMSprop(model.parameters(), lr=hyper["lr"], alpha=0.9, eps=1e-6,
                                   weight_decay=hyper["weight_decay"])
    if name == "adamw":
        # Decoupled weight decay (Loshchilov & Hutter): w -= lr * wd * w beside the Adam step, instead
        # of Adam's L2 term, which the adaptive step sizes weaken.
        return torch.optim.AdamW(model.parameters(), lr=hyper["lr"], weight_decay=hyper["weight_decay"])
    return torch.optim.Adam(model.parameters(), lr=hyper["lr"], weight_decay=hyper["weight_decay"])


def optimizer_description(hyper):
    name = hyper.get("optimizer", "adam")
    base = ({"name": "RMSprop", "rho": 0.9, "epsilon": 1e-6} if name == "rmsprop"
            else {"name": "AdamW", "decoupledWeightDecay": True} if name == "adamw" else {"name": "Adam"})
    return dict(base, lr=hyper["lr"], weightDecay=hyper["weight_decay"])


# Above this size the training windows are not expected to stay in the page cache, so an epoch reads
# them in shuffled blocks of contiguous rows instead of one row at a time from everywhere.
BLOCK_SHUFFLE_BYTES = 4 << 30
DEFAULT_SHUFFLE_BLOCK = 1024
SHUFFLE_GROUP = 16


def default_shuffle_block(split, np):
    nbytes = int(split.x.shape[0]) * int(np.prod(split.x.shape[1:])) * split.x.dtype.itemsize
    return DEFAULT_SHUFFLE_BLOCK if nbytes > BLOCK_SHUFFLE_BYTES else 1


def epoch_order(np, rng, count, block):
    """The epoch's sample order. block 1: a full permutation. Otherwise the rows are cut into blocks
    of `block` contiguous rows, the blocks are permuted, and the rows of each run of SHUFFLE_GROUP
    consecutive (permuted) blocks are shuffled together: a batch then reads from at most 16 places of
    a memory-mapped file of any size, and across an epoch every row is still seen exactly once."""
    if block <= 1:
        return rng.permutation(count)
    starts = rng.permutation(np.arange(0, count, block))
    parts = []
    for g in range(0, len(starts), SHUFFLE_GROUP):
        rows = np.concatenate([np.arange(s, min(count, s + block)) for s in starts[g:g + SHUFFLE_GROUP]])
        parts.append(rows[rng.permutation(len(rows))])
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


def epoch_rng(np, seed, epoch):
    """Shuffling and augmentation of epoch e depend only on (seed, e): a resumed run sees the same
    batches as an uninterrupted one."""
    return np.random.default_rng([seed, epoch])


def train(args):
    started = time.time()
    torch = import_torch()
    import numpy as np

    torch.set_num_threads(args.threads or default_threads())
    device = pick_device(torch, args.device)

    work = os.path.abspath(args.work)
    os.makedirs(work, exist_ok=True)
    remove_stale_temporaries(work)
    REPORT.open_log(os.path.join(work, LOG_FILE))
    checkpoint_path = os.path.join(work, CHECKPOINT_FILE)
    best_path = os.path.join(work, BEST_FILE)

    if args.motif_file:
        args.motif_file = os.path.abspath(args.motif_file)
    manifest, splits = load_dataset(args.data, np)
    fingerprint = dataset_fingerprint(args.data, manifest, splits)
    input_length = manifest["inputLength"]
    targets = manifest["targets"]
    train_split, valid_split = splits["train"], splits["valid"]
    test_split = splits.get("test")

    checkpoint = None
    if os.path.isfile(checkpoint_path):
        if not args.resume and not args.restart:
            previous = torch.load(checkpoint_path, map_location="cpu")
            raise TrainError("usage", "%s already holds a run (epoch %d of %d done); continue it with --resume "
                             "(--epochs raises its limit) or discard it with --restart"
                             % (work, previous.get("epoch", 0), previous["hyper"]["epochs"]))
        if args.restart:
            for f in (checkpoint_path, best_path, os.path.join(work, LOG_FILE)):
                if os.path.exists(f):
                    os.remove(f)
        else:
            checkpoint = torch.load(checkpoint_path, map_location="cpu")
            if checkpoint.get("format") != CHECKPOINT_FORMAT:
                raise TrainError("input", "not a TFBS Lens checkpoint", file=checkpoint_path)
            if checkpoint["dataset"] != fingerprint:
                raise TrainError("usage", "the checkpoint was trained on another dataset (or another split); "
                                 "resume with the same --data, or start over with --restart", file=checkpoint_path)
    elif args.resume:
        raise TrainError("usage", "nothing to resume: %s holds no checkpoint" % work, file=work)

    if checkpoint is not None:
        config = checkpoint["config"]
        preset = checkpoint["preset"]
        hyper = dict(checkpoint["hyper"])
        for key, value in recipes.RECIPE_DEFAULTS.items():
            hyper.setdefault(key, value)  # a checkpoint from before the recipes: all of them off
        hyper.setdefault("monitor", "loss")  # a checkpoint from before --monitor
        ignored = [k for k in ("lr", "weight_decay", "batch", "seed", "rc_augment", "patience", "select", "monitor", "optimizer",
                               "protocol", "shuffle_block") + tuple(recipes.RECIPE_DEFAULTS)
                   if getattr(args, k) is not None and getattr(args, k) is not False and getattr(args, k) != hyper.get(k)]
        if ignored:
            REPORT.say("resuming: keeping the run's own %s (options given now are ignored)" % ", ".join(ignored))
        if args.epochs is not None:
            hyper["epochs"] = args.epochs  # a resumed run may be given more (or fewer) epochs
    else:
        protocol = PROTOCOLS[args.protocol or "default"]
        preset = args.preset or protocol["preset"]
        config = resolve_config(preset, parse_arch(args.arch))
        given = lambda name: getattr(args, name) if getattr(args, name) is not None else protocol[name]  # noqa: E731
        hyper = {
            "epochs": given("epochs"),
            "batch": given("batch"),
            "lr": given("lr"),
            "weight_decay": given("weight_decay"),
            "patience": given("patience"),
            "seed": args.seed if args.seed is not None else 1,
            "rc_augment": bool(args.rc_augment),
            "select": args.select or "best",
            "monitor": args.monitor or "loss",
            "optimizer": given("optimizer"),
            "protocol": args.protocol or "default",
            "shuffle_block": (args.shuffle_block if args.shuffle_block is not None
                              else default_shuffle_block(train_split, np)),
            "amp": device.type == "cuda" and not args.no_amp,
            # Issue 14's recipes (python/tfbs_recipes.py); off unless asked for.
            "rc_shared": bool(args.rc_shared),
            "shift_augment": args.shift_augment if args.shift_augment is not None else 0,
            "input_dropout": args.input_dropout if args.input_dropout is not None else 0.0,
            "ema": args.ema, "swa_epochs": args.swa_epochs,
            "motif_priors": args.motif_priors,
            "motif_file": os.path.abspath(args.motif_file) if args.motif_file else None,
            "pos_weight": args.pos_weight,
        }
    validate_hyper(hyper)
    try:
        recipes.validate_recipe(hyper, config, input_length)
    except recipes.RecipeError as e:
        raise TrainError(e.kind, e.message, file=e.file, field=e.field)

    # Motif priors: the frozen filters are built once from the motif file and travel in the
    # checkpoint, so that a resumed run does not depend on the file any more.
    motifs = checkpoint.get("motifs") if checkpoint is not None else None
    if motifs is None and hyper["motif_priors"]:
        try:
            bank, info = recipes.motif_bank(np, hyper["motif_file"], hyper["motif_priors"], targets, config["conv_kernel"])
        except recipes.RecipeError as e:
            raise TrainError(e.kind, e.message, file=e.file, field=e.field)
        # A tensor, not a numpy array: torch.load's weights_only mode (the default from torch 2.6) reads tensors only.
        motifs = {"weight": torch.from_numpy(bank), "info": info}
        REPORT.say("motif priors: %d JASPAR motifs (%d frozen filters, both strands) beside %d learned filters%s"
                   % (info["motifs"], info["filters"], config["conv_filters"],
                      "; skipped %d wider than conv_kernel %d (%s)" % (len(info["skipped"]), config["conv_kernel"],
                                                                       ", ".join(m["id"] for m in info["skipped"]))
                      if info["skipped"] else ""))
    motif_weight = motifs["weight"].numpy().astype(np.float32) if motifs is not None else None

    pos_weight, pos_weight_info = None, None
    if hyper["pos_weight"] is not None:
        pos_weight, pos_weight_info = recipes.positive_weights(np, train_split.y, hyper["pos_weight"])

    seed_everything(torch, np, hyper["seed"])
    model = build_model(torch, config, input_length, len(targets), hyper["rc_shared"], motif_weight).to(device)
    model.fast_first_layer = device.type == "cpu"
    optimizer = make_optimizer(torch, model, hyper)
    averager = recipes.make_averager(torch, model, hyper)
    # Mixed precision on CUDA (float16 autocast, scaled gradients): the convolution and the cuDNN LSTM
    # run on tensor cores. Off on the CPU, where it does not help.
    amp = bool(hyper.get("amp")) and device.type == "cuda"
    scaler = torch.cuda.amp.GradScaler() if amp else None
    if pos_weight is not None:
        loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=torch.from_numpy(pos_weight).to(device))
    else:
        loss_fn = torch.nn.BCEWithLogitsLoss()

    state = {"epoch": 0, "best_val_loss": None, "best_score": None, "best_epoch": 0, "since_best": 0, "history": [],
             "elapsed": 0.0, "stopped_early": False, "shift_filled": 0, "shift_padded": 0}
    if checkpoint is not None:
        model.load_state_dict(checkpoint["model"])
        optimizer.load_state_dict(checkpoint["optimizer"])
        torch.set_rng_state(checkpoint["torch_rng"])
        if device.type == "cuda" and checkpoint.get("cuda_rng") is not None:
            torch.cuda.set_rng_state(checkpoint["cuda_rng"])
        for key in state:
            state[key] = checkpoint["state"].get(key, state[key])
        if state["best_score"] is None:
            state["best_score"] = state["best_val_loss"]  # a checkpoint from before --monitor watched the loss
        if scaler is not None and checkpoint.get("scaler"):
            scaler.load_state_dict(checkpoint["scaler"])  # the loss scale mixed precision had reached
        if averager is not None:
            if checkpoint.get("averager") is None:
                raise TrainError("input", "the checkpoint has no averaged weights for --ema / --swa-epochs", file=checkpoint_path)
            averager.load_state_dict(checkpoint["averager"], device)
    # A checkpoint written inside an epoch (every --checkpoint-steps / --checkpoint-minutes, or at a
    # stop request) carries how far that epoch got; the epoch's order depends only on (seed, epoch),
    # so resuming skips the steps already taken and continues with the same batches.
    partial = checkpoint.get("partial") if checkpoint is not None else None
    if partial is not None and partial.get("epoch") != state["epoch"] + 1:
        partial = None

    parameters = count_parameters(model)
    steps_per_epoch = int(math.ceil(train_split.count / hyper["batch"]))
    REPORT.emit({
        "type": "start", "preset": preset, "config": config, "parameters": parameters, "inputLength": input_length,
        "targets": len(targets), "epochs": hyper["epochs"], "stepsPerEpoch": steps_per_epoch, "batch": hyper["batch"],
        "train": train_split.count, "valid": valid_split.count, "test": test_split.count if test_split else 0,
        "device": device.type, "torch": torch.__version__, "python": sys.version.split()[0],
        "threads": torch.get_num_threads(), "resumedFromEpoch": state["epoch"] if checkpoint is not None else None,
        "resumedFromStep": partial["step"] if partial is not None else None,
        "hyper": hyper, "work": work,
    })
    REPORT.say("training %s (%s parameters) on %d windows of %d bp, %d targets, %s%s"
               % (preset, format(parameters, ","), train_split.count, input_length, len(targets), device.type,
                  (", resuming epoch %d at step %d of %d" % (partial["epoch"], partial["step"] + 1, steps_per_epoch)
                   if partial is not None else ", resuming after epoch %d" % state["epoch"]) if checkpoint is not None else ""))

    def save_checkpoint(epoch_partial=None, torch_rng=None):
        state["elapsed"] = elapsed_before + (time.time() - session_start)
        atomic_torch_save(torch, {
            "format": CHECKPOINT_FORMAT, "version": 1, "preset": preset, "config": config, "hyper": hyper,
            "dataset": fingerprint, "epoch": state["epoch"], "state": state, "model": model.state_dict(),
            "optimizer": optimizer.state_dict(),
            "torch_rng": torch_rng if torch_rng is not None else torch.get_rng_state(),
            "cuda_rng": torch.cuda.get_rng_state() if device.type == "cuda" else None,
            "scaler": scaler.state_dict() if scaler is not None else None,
            "partial": epoch_partial,
            "averager": averager.state_dict() if averager is not None else None,
            "motifs": motifs,
        }, checkpoint_path)

    checkpoint_every_steps = max(0, args.checkpoint_steps or 0)
    checkpoint_every_seconds = max(0.0, (args.checkpoint_minutes if args.checkpoint_minutes is not None else 10.0) * 60)

    step_times = []  # recent step durations, for the ETA
    valid_seconds = None
    session_start = time.time()
    elapsed_before = state["elapsed"]

    finished = state["stopped_early"] or state["epoch"] >= hyper["epochs"]
    while not finished:
        epoch = state["epoch"] + 1
        STOP.check()
        model.train()
        rng = epoch_rng(np, hyper["seed"], epoch)
        order = epoch_order(np, rng, train_split.count, hyper.get("shuffle_block", 1))
        flips_all = rng.random(train_split.count) < 0.5 if hyper["rc_augment"] else None
        # Drawn after the flips, so that runs without shifts see the batches they always did.
        shifts_all = recipes.draw_shifts(np, rng, train_split.count, hyper["shift_augment"]) if hyper["shift_augment"] else None
        loss_sum, seen, first_step, seconds_before = 0.0, 0, 0, 0.0
        if partial is not None:
            first_step, loss_sum, seen = partial["step"], partial["loss_sum"], partial["seen"]
            seconds_before = partial.get("seconds", 0.0)
            partial = None
        epoch_start = time.time() - seconds_before
        last_report = 0.0
        last_save, saved_step = time.time(), first_step

        def epoch_progress(steps_done):
            return {"epoch": epoch, "step": steps_done, "loss_sum": loss_sum, "seen": seen,
                    "seconds": time.time() - epoch_start}

        for step in range(first_step, steps_per_epoch):
            if STOP.requested:
                # Ctrl-C inside an epoch keeps the steps already paid for (the README's promise).
                if step > saved_step:
                    save_checkpoint(epoch_progress(step))
                    REPORT.say("checkpoint at epoch %d step %d of %d; continue with --resume" % (epoch, step, steps_per_epoch))
                raise Cancelled()
            if step > saved_step and ((checkpoint_every_steps and step - saved_step >= checkpoint_every_steps)
                                      or (checkpoint_every_seconds and time.time() - last_save >= checkpoint_every_seconds)):
                save_checkpoint(epoch_progress(step))
                last_save, saved_step = time.time(), step
            debug_fail("step", step=step + 1)
            t0 = time.time()
            chosen = order[step * hyper["batch"]:(step + 1) * hyper["batch"]]
            sort = np.argsort(chosen)
            idx = chosen[sort]
            flips = flips_all[step * hyper["batch"]:(step + 1) * hyper["batch"]][sort] if flips_all is not None else None
            shifts = shifts_all[step * hyper["batch"]:(step + 1) * hyper["batch"]][sort] if shifts_all is not None else None
            step_random = recipes.step_rng(np, hyper["seed"], epoch, step) if hyper["input_dropout"] else None
            x, filled, padded = training_batch(torch, np, train_split, idx, flips, shifts, manifest["binSize"],
                                               hyper["input_dropout"], step_random)
            x = x.to(device)
            state["shift_filled"] += filled
            state["shift_padded"] += padded
            y = torch.from_numpy(np.asarray(train_split.y[idx], dtype=np.float32)).to(device)
            optimizer.zero_grad()
            if amp:
                with torch.cuda.amp.autocast():
                    loss = loss_fn(model(x).float(), y)
            else:
                loss = loss_fn(model(x), y)
            if not torch.isfinite(loss):
                raise TrainError("failure", "the loss became %s at epoch %d step %d; lower --lr" % (loss.item(), epoch, step + 1))
            if amp:
                scaler.scale(loss).backward()
                scaler.step(optimizer)
                scaler.update()
            else:
                loss.backward()
                optimizer.step()
            if averager is not None:
                averager.after_step(model)
            loss_sum += loss.item() * len(idx)
            seen += len(idx)
            step_times.append(time.time() - t0)
            del step_times[:-50]
            now = time.time()
            if step == 0 or step == steps_per_epoch - 1 or now - last_report >= args.report_seconds:
                last_report = now
                REPORT.emit({
                    "type": "step", "epoch": epoch, "epochs": hyper["epochs"], "step": step + 1, "steps": steps_per_epoch,
                    "loss": finite_or_none(loss_sum / seen), "samplesPerSecond": round(seen / max(1e-9, now - epoch_start), 2),
                    "etaSeconds": round(eta(step_times, steps_per_epoch - step - 1, hyper["epochs"] - epoch,
                                            steps_per_epoch, valid_seconds), 1),
                })
        v0 = time.time()
        rng_after_steps = torch.get_rng_state()
        if averager is not None:
            averager.after_epoch(model, epoch)
        # With weight averaging the model validated, selected and exported is the averaged one.
        evaluated = averager.averaged(model) if averager is not None else None
        try:
            with weights_swapped(model, evaluated):
                valid_probs = predict(torch, np, model, valid_split, device, max(hyper["batch"], 64))
        except Cancelled:
            # Every step of the epoch is done: keep them; a resumed run only validates.
            save_checkpoint(epoch_progress(steps_per_epoch), rng_after_steps)
            raise
        valid_seconds = time.time() - v0
        val_loss = bce(np, valid_split.y, valid_probs, pos_weight)
        val_summary = summarise_predictions(valid_split.y, valid_probs, targets, np)
        # What early stopping and "best" watch (lower is better): the validation loss, or minus the
        # mean ROC AUC. The loss is dominated by the frequent labels and, on a validation block with
        # few positives, is noise; the ROC AUC is the figure every evaluation here reports.
        if hyper["monitor"] == "roc-auc":
            if val_summary["meanRocAuc"] is None:
                raise TrainError("input", "--monitor roc-auc: no experiment has both positives and negatives in the "
                                 "validation split, so its ROC AUC is undefined; use --monitor loss or a larger "
                                 "validation split", field="monitor")
            score = -val_summary["meanRocAuc"]
        else:
            score = val_loss
        improved = state["best_score"] is None or score < state["best_score"]
        if improved:
            state["best_score"] = score
            state["best_val_loss"] = val_loss
            state["best_epoch"] = epoch
            state["since_best"] = 0
            atomic_torch_save(torch, {"epoch": epoch, "model": evaluated if evaluated is not None else model.state_dict()},
                              best_path)
        else:
            state["since_best"] += 1
        epoch_seconds = time.time() - epoch_start
        record = {
            "epoch": epoch, "loss": finite_or_none(loss_sum / max(1, seen)), "valLoss": finite_or_none(val_loss),
            "valRocAuc": finite_or_none(val_summary["meanRocAuc"]),
            "valAveragePrecision": finite_or_none(val_summary["meanAveragePrecision"]),
            "seconds": round(epoch_seconds, 2), "samplesPerSecond": round(seen / max(1e-9, epoch_seconds - valid_seconds), 2),
        }
        state["history"].append(record)
        state["epoch"] = epoch
        state["stopped_early"] = state["since_best"] >= hyper["patience"]
        # The checkpoint is written before the epoch is announced: "epoch N" on the log means epoch N
        # can be resumed from.
        save_checkpoint()
        finished = state["stopped_early"] or epoch >= hyper["epochs"]
        REPORT.emit(dict(record, type="epoch", epochs=hyper["epochs"], best=improved, bestEpoch=state["best_epoch"],
                         earlyStop=state["stopped_early"],
                         etaSeconds=0.0 if finished else round(eta(step_times, 0, hyper["epochs"] - epoch, steps_per_epoch,
                                                                   valid_seconds), 1)))
        REPORT.say("epoch %d/%d  loss %.4f  val_loss %.4f  val ROC AUC %s  %.0f s%s%s"
                   % (epoch, hyper["epochs"], record["loss"], val_loss,
                      "%.4f" % val_summary["meanRocAuc"] if val_summary["meanRocAuc"] is not None else "n/a",
                      epoch_seconds, "  (best)" if improved else "",
                      "  early stop: no improvement for %d epochs" % hyper["patience"] if state["stopped_early"] else ""))

    STOP.check()
    if hyper.get("select", "best") == "last":
        # The plain recipe: whatever the last epoch left (the model in memory is that epoch's), or
        # with weight averaging, the average at the last epoch.
        best = {"epoch": state["epoch"]}
        if averager is not None:
            model.load_state_dict(averager.averaged(model))
    else:
        best = torch.load(best_path, map_location="cpu")
        model.load_state_dict(best["model"])
    model.eval()
    REPORT.say("evaluating epoch %d (%s) and exporting" % (best["epoch"], MONITOR_WORDS[hyper["monitor"]] if hyper.get("select", "best") == "best" else "the last"))
    metrics = {"bestEpoch": best["epoch"], "epochsRun": state["epoch"], "stoppedEarly": state["stopped_early"],
               "selected": hyper.get("select", "best"), "monitor": hyper["monitor"], "history": state["history"], "reverseComplementAveraged": True}
    recipe = describe_recipe_json(hyper, state, config, motifs, pos_weight_info, averager)
    metrics["recipe"] = recipe
    for split in (valid_split, test_split):
        if split is None or split.count == 0:
            continue
        probs = predict(torch, np, model, split, device, max(hyper["batch"], 64))
        summary = summarise_predictions(split.y, probs, targets, np)
        summary["loss"] = bce(np, split.y, probs, pos_weight)
        metrics[split.name] = summary
    STOP.check()

    duration = elapsed_before + (time.time() - session_start)
    exported = plain_model(torch, model, config, input_length, len(targets), motif_weight)
    package = export_package(torch, np, args, exported, manifest, splits, config, preset, hyper, parameters, metrics,
                             duration, device, work)
    summary = {k: metrics[k]["meanRocAuc"] for k in ("valid", "test") if k in metrics}
    REPORT.emit({"type": "done", "package": package, "bestEpoch": best["epoch"], "epochsRun": state["epoch"],
                 "meanRocAuc": summary, "seconds": round(time.time() - started, 2), "trainingSeconds": round(duration, 2)})
    REPORT.say("done: best epoch %d, valid ROC AUC %s, test ROC AUC %s; package at %s"
               % (best["epoch"], fmt(summary.get("valid")), fmt(summary.get("test")), package))


def fmt(x):
    return "n/a" if x is None else "%.4f" % x


def describe_recipe_json(hyper, state, config, motifs, pos_weight_info, averager):
    """How the model was trained beyond the optimiser: the issue-14 recipes, for model.json's
    training section and metrics.json (every key present, off = false / null)."""
    shifted = state.get("shift_filled", 0) + state.get("shift_padded", 0)
    return {
        "reverseComplementSharedConv": ({"learnedFilters": config["conv_filters"] // 2, "pairedFilters": config["conv_filters"],
                                         "layout": "filters [0, n/2) learned, filter n/2 + i = the reverse complement of filter i "
                                                   "(A,G,C,T: both axes flipped), biases shared"}
                                        if hyper.get("rc_shared") else False),
        "motifPriors": ({k: v for k, v in motifs["info"].items()} if motifs is not None else None),
        "shiftAugmentation": ({"maxShiftBp": hyper["shift_augment"], "distribution": "uniform integer in [-max, max] per window and epoch",
                               "fill": "the bases shifted in come from the neighbouring row when it is the next / previous window "
                                       "(binSize bp along, overlap identical and at least half known); otherwise N (all-zero rows)",
                               "windowsShifted": shifted, "filledFromNeighbours": state.get("shift_filled", 0),
                               "paddedWithN": state.get("shift_padded", 0)}
                              if hyper.get("shift_augment") else None),
        "inputDropout": ({"rate": hyper["input_dropout"], "rule": "each position of a training window set to N with this probability, no rescaling"}
                         if hyper.get("input_dropout") else None),
        "weightAveraging": averager.describe() if averager is not None else None,
        "positiveWeights": pos_weight_info,
        "summary": recipes.describe_recipe(hyper),
    }


def eta(step_times, steps_left_this_epoch, epochs_left, steps_per_epoch, valid_seconds):
    if not step_times:
        return 0.0
    per_step = sum(step_times) / len(step_times)
    validation = valid_seconds if valid_seconds is not None else per_step * steps_per_epoch * 0.15
    return per_step * (steps_left_this_epoch + epochs_left * steps_per_epoch) + validation * (epochs_left + 1)


def pick_device(torch, requested):
    if requested == "cuda":
        if not torch.cuda.is_available():
            raise TrainError("environment", "--device cuda was asked for, but this PyTorch (%s) sees no CUDA GPU; "
                             "use --device cpu or install a CUDA build of PyTorch" % torch.__version__)
        return torch.device("cuda")
    if requested == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device("cpu")


def validate_hyper(h):
    checks = [
        ("epochs", isinstance(h["epochs"], int) and h["epochs"] >= 1, "a positive integer"),
        ("batch", isinstance(h["batch"], int) and h["batch"] >= 1, "a positive integer"),
        ("lr", h["lr"] > 0 and math.isfinite(h["lr"]), "a positive number"),
        ("weight_decay", h["weight_decay"] >= 0 and math.isfinite(h["weight_decay"]), "a number >= 0"),
        ("patience", isinstance(h["patience"], int) and h["patience"] >= 1, "a positive integer"),
        ("seed", isinstance(h["seed"], int) and h["seed"] >= 0, "an integer >= 0"),
    ]
    for name, ok, what in checks:
        if not ok:
            raise TrainError("usage", "--%s must be %s, found %r" % (name.replace("_", "-"), what, h[name]), field=name)


def parse_arch(text):
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError as e:
        raise TrainError("usage", "--arch-json is not valid JSON (%s)" % e, field="arch")
    if not isinstance(value, dict):
        raise TrainError("usage", "--arch-json must be a JSON object", field="arch")
    return value


# --------------------------------------------------------------------------------------------------
# Export: ONNX + manifest + metrics + log + a parity sample, written to a temporary directory that
# replaces WORK/package only when complete. Installing it at the user's --out is the caller's job,
# after checking the graph in ONNX Runtime against PyTorch's outputs.

def export_package(torch, np, args, model, manifest, splits, config, preset, hyper, parameters, metrics, duration,
                   device, work):
    tmp_dir = os.path.join(work, "%s.tmp-%d" % (PACKAGE_DIR, os.getpid()))
    try:
        return write_package(torch, np, args, model, manifest, splits, config, preset, hyper, parameters, metrics,
                             duration, device, work, tmp_dir)
    except BaseException:
        # A cancel or an error mid-export leaves no half-written package behind.
        shutil.rmtree(tmp_dir, ignore_errors=True)
        raise


def write_package(torch, np, args, model, manifest, splits, config, preset, hyper, parameters, metrics, duration,
                  device, work, tmp_dir):
    nn = torch.nn
    input_length = manifest["inputLength"]
    targets = manifest["targets"]

    class WithSigmoid(nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, x):
            return torch.sigmoid(self.inner(x))

    cpu_model = model.to("cpu").eval()
    wrapped = WithSigmoid(cpu_model).eval()
    final_dir = os.path.join(work, PACKAGE_DIR)
    if os.path.exists(tmp_dir):
        shutil.rmtree(tmp_dir)
    os.makedirs(tmp_dir)

    onnx_path = os.path.join(tmp_dir, "model.onnx")
    export_onnx(torch, wrapped, torch.zeros(1, input_length, 4), onnx_path, work)
    opset = onnx_default_opset(onnx_path)
    debug_pause("export")

    # The parity sample: windows from the test split (else validation) and PyTorch's probabilities
    # for them, forward strand only, exactly what the ONNX graph computes.
    source = splits.get("test") if splits.get("test") is not None and splits["test"].count else splits["valid"]
    count = min(8, source.count)
    rows = np.unique(np.linspace(0, source.count - 1, num=count).astype(np.int64))
    x = batch_tensor(torch, np, source.x, rows)
    with torch.no_grad():
        probs = wrapped(x).numpy()
    if os.environ.get("TFBS_TRAIN_DEBUG_PERTURB_PARITY"):
        # Test hook: makes the stored PyTorch outputs disagree with the graph, so that the caller's
        # parity check must refuse the package.
        probs = probs + float(os.environ["TFBS_TRAIN_DEBUG_PERTURB_PARITY"])
    letters = np.array(list("AGCT"))
    sequences = []
    for window in np.asarray(source.x[rows]):
        has_base = window.sum(axis=1) > 0
        seq = np.where(has_base, letters[window.argmax(axis=1)], "N")
        sequences.append("".join(seq.tolist()))
    parity = {"format": "tfbs-lens-parity", "formatVersion": 1, "split": source.name, "rows": rows.tolist(),
              "inputLength": input_length, "sequences": sequences,
              "outputs": [[float("%.9g" % v) for v in row] for row in probs.tolist()],
              "note": "PyTorch probabilities for these windows (forward strand, one-hot A,G,C,T, N = zeros)"}
    write_json(os.path.join(tmp_dir, PARITY_FILE), parity)

    onnx_sha = sha256_of_file(onnx_path)
    train_split = splits["train"]

    def compact_metrics(m):
        return {k: v for k, v in m.items() if k != "perTarget"}

    model_json = {
        "format": "tfbs-lens-model",
        "formatVersion": 1,
        "name": args.name or os.path.basename(os.path.normpath(args.out or work)) or "model",
        "description": args.description or ("%s-preset model trained with tfbs train on %s" % (preset, describe_source(manifest))),
        "input": {"length": input_length, "channels": CHANNELS, "unknown": "zeros", "layout": "NLC"},
        "output": {"activation": "sigmoid"},
        "binSize": manifest["binSize"],
        "targets": targets,
        "onnx": {"file": "model.onnx", "inputName": "input", "outputName": "probabilities", "opset": opset,
                 "sha256": onnx_sha},
        "architecture": {"preset": preset, "parameters": parameters, "config": config,
                         "family": "Conv1D-MaxPool-BiLSTM-Dense (DanQ)",
                         # The exported graph's first layer (config.conv_filters counts the learned filters).
                         "convFilters": int(model.conv.weight.shape[0]), "exportedParameters": count_parameters(model)},
        "training": {
            "data": {"source": manifest.get("source"), "inputLength": input_length, "targets": len(targets),
                     "splits": {name: {"count": s.count, "positives": int(np.asarray(s.y).sum())} for name, s in splits.items()}},
            "splitRule": manifest.get("splitRule"),
            "epochs": metrics["epochsRun"], "maxEpochs": hyper["epochs"], "bestEpoch": metrics["bestEpoch"],
            "stoppedEarly": metrics["stoppedEarly"], "selected": metrics["selected"], "monitor": metrics["monitor"],
            "optimizer": optimizer_description(hyper),
            "protocol": hyper.get("protocol", "default"), "shuffleBlock": hyper.get("shuffle_block", 1),
            "mixedPrecision": bool(hyper.get("amp")),
            "loss": ("binary cross-entropy, positives weighted per output (recipe.positiveWeights); validation loss weighted the same way"
                     if hyper.get("pos_weight") is not None else "binary cross-entropy"), "batch": hyper["batch"], "patience": hyper["patience"],
            "reverseComplementAugmentation": hyper["rc_augment"], "seed": hyper["seed"],
            "recipe": metrics.get("recipe"),
            "durationSeconds": round(duration, 1), "device": device.type, "torch": torch.__version__,
            "python": sys.version.split()[0], "trainer": "python/tfbs_train.py",
            "summary": "%s preset, %d epoch%s (best %d%s%s), %s lr %g%s, batch %d%s%s, seed %d, %d training windows from %s, %s on %s, torch %s" % (
                preset, metrics["epochsRun"], "" if metrics["epochsRun"] == 1 else "s", metrics["bestEpoch"],
                " by validation ROC AUC" if metrics["monitor"] == "roc-auc" else "",
                ", early stop" if metrics["stoppedEarly"] else "", optimizer_description(hyper)["name"], hyper["lr"],
                ", weight decay %g" % hyper["weight_decay"] if hyper["weight_decay"] else "", hyper["batch"],
                ", reverse-complement augmentation" if hyper["rc_augment"] else "",
                "".join(", " + part for part in recipes.describe_recipe(hyper)), hyper["seed"], train_split.count,
                describe_source(manifest), format_duration(duration), device.type, torch.__version__),
        },
        "metrics": {k: compact_metrics(metrics[k]) for k in ("valid", "test") if k in metrics},
    }
    model_json["metrics"]["bestEpoch"] = metrics["bestEpoch"]
    model_json["metrics"]["note"] = ("mean ROC AUC over experiments with >= %d positives in the split, forward and "
                                     "reverse-complement predictions averaged" % MIN_POSITIVES)
    write_json(os.path.join(tmp_dir, "model.json"), model_json)
    write_json(os.path.join(tmp_dir, METRICS_FILE), dict(metrics, model=model_json["name"], preset=preset))
    log_src = os.path.join(work, LOG_FILE)
    if os.path.exists(log_src):
        shutil.copyfile(log_src, os.path.join(tmp_dir, LOG_FILE))

    STOP.check()
    if os.path.exists(final_dir):
        shutil.rmtree(final_dir)
    os.replace(tmp_dir, final_dir)
    return final_dir


ONNX_OPSET = 13


def export_onnx(torch, module, dummy, path, work):
    """torch.onnx.export with the TorchScript exporter, which handles the LSTM with a dynamic batch.
    PyTorch 2.9 made the dynamo exporter the default (it needs onnxscript and struggles with LSTMs), so
    dynamo=False is passed wherever the parameter exists. Any failure here comes after every epoch was
    paid for: it becomes a clear error, and the checkpoint stays so that --resume exports again
    without retraining."""
    import inspect
    import warnings
    kwargs = {"opset_version": ONNX_OPSET, "input_names": ["input"], "output_names": ["probabilities"],
              "dynamic_axes": {"input": {0: "batch"}, "probabilities": {0: "batch"}}, "do_constant_folding": True}
    try:
        parameters = inspect.signature(torch.onnx.export).parameters
    except (TypeError, ValueError):
        parameters = {}
    if "dynamo" in parameters:
        kwargs["dynamo"] = False
    try:
        with warnings.catch_warnings():
            # torch warns that an LSTM with batch_first exported with a dynamic batch works only for
            # the batch axis it was told about; that is the axis we declare.
            warnings.simplefilter("ignore")
            debug_fail("export")
            torch.onnx.export(module, (dummy,), path, **kwargs)
    except (Cancelled, TrainError, MemoryError):
        raise
    except Exception as e:
        raise TrainError("failure", "exporting the trained model to ONNX failed with PyTorch %s (%s: %s). The trained "
                         "weights are kept in %s: after fixing the cause (for example a PyTorch version whose "
                         "torch.onnx.export handles LSTMs, or the onnx package it asks for), run the same command with "
                         "--resume to export without retraining"
                         % (torch.__version__, type(e).__name__, first_line(e), work))
    if not os.path.isfile(path) or os.path.getsize(path) < 16:
        raise TrainError("failure", "torch.onnx.export wrote no model (PyTorch %s); the trained weights are kept in %s: "
                         "continue with --resume" % (torch.__version__, work))


def onnx_default_opset(path):
    """The ai.onnx opset the file declares (ModelProto field 8, opset_import), read from the bytes so
    that model.json records what was written, not what was asked for. Only the top level of the
    message is walked; the graph (field 7, most of the file) is skipped with a seek."""
    def varint(f):
        shift, value = 0, 0
        while True:
            b = f.read(1)
            if not b:
                raise EOFError()
            value |= (b[0] & 0x7F) << shift
            if b[0] < 0x80:
                return value
            shift += 7

    def fields(f, end):
        while f.tell() < end:
            key = varint(f)
            number, wire = key >> 3, key & 7
            if wire == 0:
                yield number, varint(f)
            elif wire == 2:
                length = varint(f)
                start = f.tell()
                yield number, (start, length)
                f.seek(start + length)  # whatever the caller read of it
            elif wire == 1:
                f.seek(8, 1)
            elif wire == 5:
                f.seek(4, 1)
            else:
                raise ValueError("wire type %d" % wire)

    found = None
    try:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            for number, value in fields(f, size):
                if number != 8:
                    continue
                start, length = value
                domain, version = "", None
                for sub, v in fields(f, start + length):
                    if sub == 1:
                        f.seek(v[0])
                        domain = f.read(v[1]).decode("utf-8", "replace")
                    elif sub == 2:
                        version = v
                if domain in ("", "ai.onnx") and version is not None:
                    found = version
    except (EOFError, ValueError, OSError) as e:
        raise TrainError("failure", "the exported ONNX file cannot be read back (%s)" % e, file=path)
    if found is None:
        raise TrainError("failure", "the exported ONNX file declares no ai.onnx opset", file=path)
    return int(found)


def sha256_of_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def first_line(e):
    text = str(e).strip().split("\n")[0]
    return text[:300] if text else type(e).__name__


def describe_source(manifest):
    source = manifest.get("source")
    if isinstance(source, dict) and isinstance(source.get("description"), str):
        return source["description"]
    if isinstance(source, str) and source:
        return source
    return "a prepared dataset"


def format_duration(seconds):
    if seconds < 90:
        return "%.0f s" % seconds
    if seconds < 5400:
        return "%.0f min" % (seconds / 60)
    return "%.1f h" % (seconds / 3600)


def write_json(path, value):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(value, f, indent=1, allow_nan=False, default=_json_default)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


# --------------------------------------------------------------------------------------------------

def parse_args(argv):
    p = argparse.ArgumentParser(prog="tfbs_train.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--data", help="prepared dataset directory (dataset.json + *_X.npy/*_y.npy)")
    p.add_argument("--work", help="run directory: checkpoints, log, and the exported package (WORK/package)")
    p.add_argument("--out", help="where the caller will install the model (used for its name only)")
    p.add_argument("--name", help="model name for model.json")
    p.add_argument("--description")
    p.add_argument("--preset", help="architecture (default: the protocol's: compact, or danq for --protocol danq)")
    p.add_argument("--protocol", choices=sorted(PROTOCOLS), help="training recipe whose defaults apply to every setting "
                   "not given; danq: DanQ's own (RMSprop, batch 100, 60 epochs, patience 5)")
    p.add_argument("--optimizer", choices=OPTIMIZERS)
    p.add_argument("--shuffle-block", type=int, dest="shuffle_block",
                   help="rows per shuffled block (default 1, i.e. every row on its own, for training data up to 4 GiB; 1024 above)")
    p.add_argument("--no-amp", action="store_true", dest="no_amp", help="no mixed precision on CUDA")
    p.add_argument("--arch-json", dest="arch", help='architecture overrides, e.g. {"lstm_hidden": 32}')
    p.add_argument("--epochs", type=int)
    p.add_argument("--batch", type=int)
    p.add_argument("--lr", type=float)
    p.add_argument("--weight-decay", type=float, dest="weight_decay")
    p.add_argument("--patience", type=int)
    p.add_argument("--seed", type=int)
    p.add_argument("--rc-augment", action="store_true", default=None, dest="rc_augment")
    # Issue 14's recipes (python/tfbs_recipes.py).
    p.add_argument("--rc-shared", action="store_true", default=None, dest="rc_shared",
                   help="first-layer filters in reverse-complement pairs (half learned, half their reverse complements)")
    p.add_argument("--shift-augment", type=int, dest="shift_augment",
                   help="shift every training window by a random -N..N bp (bases from the neighbouring window when it is one, else N)")
    p.add_argument("--input-dropout", type=float, dest="input_dropout", help="share of training-window positions set to N")
    p.add_argument("--ema", type=float, help="validate, select and export an exponential moving average of the weights (decay per step, e.g. 0.99)")
    p.add_argument("--swa-epochs", type=int, dest="swa_epochs",
                   help="validate, select and export the mean of the weights at the end of the last K epochs")
    p.add_argument("--motif-priors", dest="motif_priors",
                   help="frozen JASPAR log-odds filters beside the learned ones: targets, all, or IDs / factor names separated by commas")
    p.add_argument("--motif-file", dest="motif_file", help="JASPAR file for --motif-priors (default data/jaspar/JASPAR2024_CORE_vertebrates_non-redundant_pfms.jaspar)")
    p.add_argument("--pos-weight", type=float, dest="pos_weight",
                   help="BCE pos_weight per output: negatives / positives in the training split, clipped to [1, CAP]")
    p.add_argument("--select", choices=["best", "last"], help="export the best epoch by --monitor (default) or the last")
    p.add_argument("--monitor", choices=sorted(MONITOR_WORDS),
                   help="what early stopping and --select best watch: the validation loss (default) or its mean ROC AUC")
    p.add_argument("--device", choices=["cpu", "cuda", "auto"], default="cpu")
    p.add_argument("--threads", type=int, help="torch intra-op threads (default: the cores this process may use, "
                   "1 on machines of 2 cores or fewer; BLAS threads: OPENBLAS_NUM_THREADS)")
    p.add_argument("--checkpoint-steps", type=int, dest="checkpoint_steps",
                   help="also checkpoint inside an epoch every N training steps (default: off)")
    p.add_argument("--checkpoint-minutes", type=float, dest="checkpoint_minutes",
                   help="also checkpoint inside an epoch every M minutes (default 10; 0: off)")
    p.add_argument("--resume", action="store_true")
    p.add_argument("--restart", action="store_true", help="discard an unfinished run in WORK")
    p.add_argument("--report-seconds", type=float, default=1.0, help="minimum seconds between step events")
    p.add_argument("--list-presets", action="store_true", help="print the presets as JSON and exit")
    p.add_argument("--check-environment", action="store_true", help="print interpreter/torch facts as JSON and exit")
    args = p.parse_args(argv)
    if not (args.list_presets or args.check_environment):
        if not args.data or not args.work:
            p.error("--data and --work are required")
        if args.resume and args.restart:
            p.error("--resume and --restart exclude each other")
    return args


def check_environment():
    facts = {"python": sys.version.split()[0], "executable": sys.executable}
    try:
        import numpy
        facts["numpy"] = numpy.__version__
    except Exception:
        facts["numpy"] = None
    try:
        import torch
        facts["torch"] = torch.__version__
        facts["cuda"] = bool(torch.cuda.is_available())
    except Exception as e:  # ImportError, or OSError for a missing shared library
        facts["torch"] = None
        facts["torchError"] = "%s: %s" % (type(e).__name__, e)
    print(json.dumps(facts))


def main(argv):
    STOP.install()
    args = parse_args(argv)
    if args.list_presets:
        print(json.dumps(PRESETS))
        return EXIT_OK
    if args.check_environment:
        check_environment()
        return EXIT_OK
    try:
        train(args)
        return EXIT_OK
    except Cancelled:
        REPORT.emit({"type": "error", "kind": "cancelled",
                     "message": "cancelled (%s); the last complete checkpoint is kept: continue with --resume" % STOP.signal_name})
        REPORT.say("cancelled; continue with --resume")
        return EXIT_CANCELLED
    except TrainError as e:
        REPORT.emit({"type": "error", "kind": e.kind, "message": e.message, "file": e.file, "field": e.field})
        REPORT.say("error: %s%s" % ("%s: " % e.file if e.file else "", e.message))
        return EXIT_BY_KIND.get(e.kind, EXIT_FAILURE)
    except MemoryError:
        REPORT.emit({"type": "error", "kind": "failure", "message": "out of memory; lower --batch"})
        return EXIT_FAILURE
    except OSError as e:
        REPORT.emit({"type": "error", "kind": "io", "message": "%s" % e, "file": getattr(e, "filename", None)})
        REPORT.say("error: %s" % e)
        return EXIT_FAILURE
    except Exception as e:  # noqa: BLE001 - anything else (CUDA errors, a torch bug) must still be an event
        details = save_traceback(args.work)
        message = describe_failure(e)
        if details:
            message += " (the full traceback is in %s)" % details
        REPORT.emit({"type": "error", "kind": "failure", "message": message, "file": None, "field": None})
        REPORT.say("error: %s" % message)
        return EXIT_FAILURE


ERROR_LOG = "trainer-error.log"


def describe_failure(e):
    """One sentence for an unexpected exception, with what to do where the cause is known."""
    text = first_line(e)
    if "out of memory" in str(e).lower() or type(e).__name__ == "OutOfMemoryError":
        return "the GPU ran out of memory (%s): lower --batch, or train on the CPU with --device cpu" % text
    return "the trainer failed unexpectedly (%s: %s)" % (type(e).__name__, text)


def save_traceback(work):
    import traceback
    if not work or not os.path.isdir(work):
        return None
    path = os.path.join(os.path.abspath(work), ERROR_LOG)
    try:
        with open(path, "a", encoding="utf-8") as f:
            f.write("%s\n%s\n" % (time.strftime("%Y-%m-%d %H:%M:%S"), traceback.format_exc()))
    except OSError:
        return None
    return path


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
