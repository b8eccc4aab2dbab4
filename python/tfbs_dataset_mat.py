#!/usr/bin/env python3
"""Converts DeepSEA's original release files (deepsea_train/train.mat, valid.mat, test.mat) into the
arrays of a TFBS Lens prepared dataset, streaming: memory stays bounded by --block-rows whatever the
size of the input (the real train.mat holds 4.4 M windows, ~17 GB as one array).

Layouts, as the release stores them:
  train.mat  MATLAB v7.3, which is HDF5. MATLAB writes its column-major arrays with the axes reversed,
             so MATLAB's trainxdata (N x 4 x 1000) is the HDF5 dataset `trainxdata` of shape
             (1000, 4, N) as h5py sees it, and traindata (N x 919) is `traindata` of shape (919, N).
  valid.mat, test.mat
             MATLAB v5 (read with scipy.io.loadmat, which gives MATLAB's own order): validxdata
             (N, 4, 1000), validdata (N, 919); the same for test. A v7.3 copy of either is read like
             train.mat.
Channels are A, G, C, T in every file (the order TFBS Lens uses); N is an all-zero column.

Writes OUT/{train,valid,test}_X.npy (uint8, N x L x 4) and _y.npy (uint8, N x T) into --out (a
temporary directory the caller renames into place), and reports on stdout, one JSON object per line:
{"type": "progress", ...}, then {"type": "done", "splits": ..., "inputLength": L, "notices": [...]}, or
{"type": "error", "kind": "input"|"environment"|..., "message", "file", "field"}.
Exit codes: 0 done, 1 failure, 2 usage, 3 bad input, 4 environment (a missing module), 130 cancelled.
"""
import argparse
import json
import os
import signal
import sys

EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_INPUT, EXIT_ENVIRONMENT, EXIT_CANCELLED = 0, 1, 2, 3, 4, 130
# DeepSEA's 919 features: 125 DNase, then 690 TF binding experiments (indices 125..814), then 104
# histone marks. DanQ and the shipped models predict the 690.
TF_FIRST, TF_COUNT, ALL_FEATURES = 125, 690, 919
VARIABLES = {"train": ("trainxdata", "traindata"), "valid": ("validxdata", "validdata"),
             "test": ("testxdata", "testdata")}
HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


class InputProblem(Exception):
    def __init__(self, kind, message, file=None, field=None):
        super().__init__(message)
        self.kind, self.message, self.file, self.field = kind, message, file, field


def emit(obj):
    sys.stdout.write(json.dumps(obj, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def say(message):
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def mat_format(path):
    """'hdf5' (MATLAB v7.3) or 'v5', from the file's first bytes; anything else is refused."""
    try:
        with open(path, "rb") as f:
            head = f.read(520)
    except OSError as e:
        raise InputProblem("input", "cannot read it (%s)" % e.strerror, file=path)
    # v7.3 files carry a 512-byte MATLAB text header (the HDF5 user block) before the signature.
    if head[:8] == HDF5_SIGNATURE or head[512:520] == HDF5_SIGNATURE:
        return "hdf5"
    if head[:10] == b"MATLAB 5.0":
        return "v5"
    raise InputProblem("input", "not a MATLAB .mat file (neither MATLAB v5 nor v7.3/HDF5)", file=path)


class Source:
    """One split's arrays, read in blocks of samples as (b, L, 4) windows and (b, 919|690) labels."""

    def __init__(self, split, path, np):
        self.split, self.path, self.np = split, path, np
        self.x_name, self.y_name = VARIABLES[split]
        self.kind = mat_format(path)
        self.handle = None
        if self.kind == "hdf5":
            self._open_hdf5()
        else:
            self._open_v5()
        self._check_shapes()

    def _open_hdf5(self):
        try:
            import h5py
        except ImportError:
            raise InputProblem("environment", "reading MATLAB v7.3 files needs h5py for %s: sudo apt-get install "
                               "python3-h5py, or pip install h5py" % sys.executable)
        try:
            self.handle = h5py.File(self.path, "r")
        except OSError as e:
            raise InputProblem("input", "not a readable HDF5 file (%s); is it truncated?" % e, file=self.path)
        for name in (self.x_name, self.y_name):
            if name not in self.handle or not hasattr(self.handle[name], "shape"):
                raise InputProblem("input", "has no dataset %s (it holds %s); DeepSEA's %s.mat holds %s and %s"
                                   % (name, ", ".join(sorted(self.handle.keys())) or "nothing", self.split,
                                      self.x_name, self.y_name), file=self.path, field=name)
        self.x, self.y = self.handle[self.x_name], self.handle[self.y_name]
        # HDF5 as MATLAB writes it: (L, 4, N) and (labels, N); samples on the last axis.
        self.sample_axis = -1

    def _open_v5(self):
        try:
            import scipy.io
        except ImportError:
            raise InputProblem("environment", "reading MATLAB v5 files (DeepSEA's %s.mat) needs SciPy for %s: sudo "
                               "apt-get install python3-scipy, or pip install scipy; or convert the file to v7.3 in "
                               "MATLAB: load('%s.mat'); save('%s.mat', '%s', '%s', '-v7.3')"
                               % (self.split, sys.executable, self.split, self.split, self.x_name, self.y_name))
        try:
            # The whole split in memory: valid.mat is 32 MB, test.mat 1.8 GB; only train.mat (v7.3) is
            # too large for that, and it is read in blocks.
            mat = scipy.io.loadmat(self.path, variable_names=[self.x_name, self.y_name])
        except Exception as e:  # scipy raises ValueError/TypeError/OSError variants for damaged files
            raise InputProblem("input", "not a readable MATLAB v5 file (%s: %s); is it truncated?"
                               % (type(e).__name__, str(e).split("\n")[0]), file=self.path)
        for name in (self.x_name, self.y_name):
            if name not in mat:
                raise InputProblem("input", "has no variable %s; DeepSEA's %s.mat holds %s and %s"
                                   % (name, self.split, self.x_name, self.y_name), file=self.path, field=name)
        self.x, self.y = mat[self.x_name], mat[self.y_name]
        # MATLAB's own order: (N, 4, L) and (N, labels); samples on the first axis.
        self.sample_axis = 0

    def _check_shapes(self):
        xs, ys = tuple(int(d) for d in self.x.shape), tuple(int(d) for d in self.y.shape)
        hdf5 = self.sample_axis == -1
        if hdf5:
            layout = ("%s (L, 4, N) and %s (labels, N), as MATLAB v7.3 stores its N x 4 x L and N x labels arrays"
                      % (self.x_name, self.y_name))
        else:
            layout = "%s (N, 4, L) and %s (N, labels), as MATLAB v5 stores them" % (self.x_name, self.y_name)
        reverse = "; its axes are in the reverse order (written without MATLAB's transposition?)"
        if len(ys) != 2:
            raise InputProblem("input", "%s has shape %s; expected %s" % (self.y_name, ys, layout), file=self.path,
                               field=self.y_name)
        n, labels = (ys[1], ys[0]) if hdf5 else (ys[0], ys[1])
        allowed = (ALL_FEATURES, TF_COUNT)
        if labels not in allowed:
            raise InputProblem("input", "%s has shape %s: %d labels per sample, but DeepSEA has %d (or its %d TF "
                               "columns); expected %s%s" % (self.y_name, ys, labels, ALL_FEATURES, TF_COUNT, layout,
                                                            reverse if n in allowed else ""),
                               file=self.path, field=self.y_name)
        samples_at, other_end = (2, 0) if hdf5 else (0, 2)
        if not (len(xs) == 3 and xs[1] == 4 and xs[samples_at] == n):
            swapped = len(xs) == 3 and xs[1] == 4 and xs[other_end] == n
            raise InputProblem("input", "%s has shape %s but %s has %d samples: expected %s%s"
                               % (self.x_name, xs, self.y_name, n, layout, reverse if swapped else ""),
                               file=self.path, field=self.x_name)
        self.count, self.labels, self.length = n, labels, xs[other_end]

    def blocks(self, rows, limit=None):
        np = self.np
        total = self.count if limit is None else min(limit, self.count)
        for start in range(0, total, rows):
            end = min(total, start + rows)
            if self.sample_axis == -1:
                xb = np.asarray(self.x[:, :, start:end]).transpose(2, 0, 1)  # (L, 4, b) -> (b, L, 4)
                yb = np.asarray(self.y[:, start:end]).T
            else:
                xb = np.asarray(self.x[start:end]).transpose(0, 2, 1)  # (b, 4, L) -> (b, L, 4)
                yb = np.asarray(self.y[start:end])
            yield start, end, total, xb, yb

    def close(self):
        if self.handle is not None:
            self.handle.close()


def check_block(np, source, start, xb, yb):
    """0/1 labels; one-hot windows with at most one base per position (N: none)."""
    for arr, name in ((xb, source.x_name), (yb, source.y_name)):
        if arr.dtype.kind not in "biuf":
            raise InputProblem("input", "%s has dtype %s; expected 0/1 values" % (name, arr.dtype), file=source.path,
                               field=name)
        bad = (arr != 0) & (arr != 1)
        if bad.any():
            where = np.argwhere(bad)[0]
            raise InputProblem("input", "%s must hold 0 or 1; sample %d holds %r" % (name, start + int(where[0]),
                               arr[tuple(where)].item()), file=source.path, field=name)
    per_position = xb.sum(axis=2, dtype=np.int64)
    if (per_position > 1).any():
        row, pos = (int(v) for v in np.argwhere(per_position > 1)[0])
        raise InputProblem("input", "%s: sample %d has more than one base set at position %d (not one-hot)"
                           % (source.x_name, start + row, pos), file=source.path, field=source.x_name)


def write_npy(np, path, shape):
    f = open(path, "wb")
    np.lib.format.write_array_header_1_0(f, {"descr": "|u1", "fortran_order": False, "shape": tuple(shape)})
    return f


def convert(args, np):
    out = os.path.abspath(args.out)
    if not os.path.isdir(out):
        raise InputProblem("usage", "the output directory does not exist", file=out)
    paths = {"train": args.train, "valid": args.valid, "test": args.test}
    sources = {}
    try:
        for split in ("train", "valid", "test"):
            if paths[split]:
                sources[split] = Source(split, os.path.abspath(paths[split]), np)
        lengths = {s.length for s in sources.values()}
        if len(lengths) != 1:
            raise InputProblem("input", "the files hold windows of different lengths: %s"
                               % ", ".join("%s %d bp" % (k, s.length) for k, s in sources.items()))
        label_counts = {s.labels for s in sources.values()}
        if len(label_counts) != 1:
            raise InputProblem("input", "the files hold different label counts: %s"
                               % ", ".join("%s %d" % (k, s.labels) for k, s in sources.items()))
        labels = label_counts.pop()
        if args.outputs == ALL_FEATURES and labels != ALL_FEATURES:
            raise InputProblem("usage", "--outputs 919 asks for all of DeepSEA's features, but the files hold only %d "
                               "label columns" % labels)
        columns = (np.arange(TF_FIRST, TF_FIRST + TF_COUNT) if labels == ALL_FEATURES and args.outputs == TF_COUNT
                   else np.arange(labels))
        length = lengths.pop()
        summary = {}
        for split, source in sources.items():
            total = source.count if args.max_samples is None else min(args.max_samples, source.count)
            xf = write_npy(np, os.path.join(out, "%s_X.npy" % split), (total, length, 4))
            yf = write_npy(np, os.path.join(out, "%s_y.npy" % split), (total, len(columns)))
            positives = np.zeros(len(columns), dtype=np.int64)
            try:
                for start, end, _, xb, yb in source.blocks(args.block_rows, total):
                    check_block(np, source, start, xb, yb)
                    yb = yb[:, columns]
                    xf.write(np.ascontiguousarray(xb, dtype=np.uint8).tobytes())
                    yf.write(np.ascontiguousarray(yb, dtype=np.uint8).tobytes())
                    positives += yb.sum(axis=0, dtype=np.int64)
                    emit({"type": "progress", "split": split, "done": end, "total": total})
                for f in (xf, yf):
                    f.flush()
                    os.fsync(f.fileno())
            finally:
                xf.close()
                yf.close()
            summary[split] = {"count": total, "positives": positives.tolist()}
        notices = []
        if labels == ALL_FEATURES and args.outputs == TF_COUNT:
            notices.append("kept DeepSEA's %d TF columns (indices %d-%d of %d); --outputs 919 keeps all"
                           % (TF_COUNT, TF_FIRST, TF_FIRST + TF_COUNT - 1, ALL_FEATURES))
        if args.max_samples is not None:
            notices.append("only the first %d samples of each file were used (--max-samples)" % args.max_samples)
        emit({"type": "done", "inputLength": int(length), "outputs": int(len(columns)), "splits": summary,
              "layouts": {k: s.kind for k, s in sources.items()}, "notices": notices, "peakRssBytes": peak_rss()})
    finally:
        for s in sources.values():
            s.close()


def peak_rss():
    """This process's peak resident memory in bytes (None where unknown): what "bounded" means here."""
    try:
        import resource
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    except (ImportError, OSError):
        return None
    return int(peak) if sys.platform == "darwin" else int(peak) * 1024  # Linux reports kB


def main(argv):
    p = argparse.ArgumentParser(prog="tfbs_dataset_mat.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--train", required=True)
    p.add_argument("--valid", required=True)
    p.add_argument("--test")
    p.add_argument("--out", required=True, help="an existing (temporary) directory for the arrays")
    p.add_argument("--outputs", type=int, choices=[TF_COUNT, ALL_FEATURES], default=TF_COUNT)
    p.add_argument("--block-rows", type=int, default=4096, dest="block_rows",
                   help="samples read at a time (memory: about 4 kB x this for 1000 bp windows)")
    p.add_argument("--max-samples", type=int, dest="max_samples")
    args = p.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(EXIT_CANCELLED))
    try:
        import numpy as np
    except ImportError:
        emit({"type": "error", "kind": "environment", "message": "numpy is not installed for %s" % sys.executable})
        return EXIT_ENVIRONMENT
    try:
        convert(args, np)
        return EXIT_OK
    except KeyboardInterrupt:
        emit({"type": "error", "kind": "cancelled", "message": "cancelled"})
        return EXIT_CANCELLED
    except InputProblem as e:
        emit({"type": "error", "kind": e.kind, "message": e.message, "file": e.file, "field": e.field})
        say("error: %s%s" % ("%s: " % e.file if e.file else "", e.message))
        return {"environment": EXIT_ENVIRONMENT, "usage": EXIT_USAGE}.get(e.kind, EXIT_INPUT)
    except OSError as e:
        emit({"type": "error", "kind": "io", "message": str(e), "file": getattr(e, "filename", None)})
        return EXIT_FAILURE


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
