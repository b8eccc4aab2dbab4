"""What every part of a tfbs_train.py process shares: the typed error a user sees and the exit codes
the CLI maps them to (src/training/run.ts TRAINER_EXIT), the JSON-lines progress reporter, stop
requests (SIGINT/SIGTERM honoured at step boundaries), the test hooks, and durable writes (a file is
replaced only by a complete, synced one)."""
import json
import math
import os
import signal
import sys
import time

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INPUT = 3
EXIT_ENVIRONMENT = 4
EXIT_CANCELLED = 130
# The run's JSON-lines log in WORK (every event Reporter emits), copied into the package.
LOG_FILE = "training-log.jsonl"


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


class StopFlag:
    def __init__(self):
        self.signal_name = None

    def install(self, early_signals=()):
        """Takes over SIGINT/SIGTERM; `early_signals` are those that arrived before (while the modules
        loaded), honoured now."""
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self._handle)
        if early_signals:
            self._handle(early_signals[0], None)

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


def first_line(e):
    text = str(e).strip().split("\n")[0]
    return text[:300] if text else type(e).__name__


def write_json(path, value):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(value, f, indent=1, allow_nan=False, default=_json_default)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


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
