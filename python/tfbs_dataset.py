"""A prepared dataset directory (written by src/training/datasets prepareDataset): loading and checking
its arrays (memory-mapped), its fingerprint for resume, the epoch order, and windows as tensors."""
import hashlib
import json
import os

from tfbs_process import TrainError

DATASET_FORMAT = "tfbs-lens-dataset"


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


def batch_tensor(torch, np, array, indices, flips=None):
    """Rows `indices` (sorted, for mmap locality) as float32; rows with flips[i] are reverse
    complemented, which in A,G,C,T order is a flip of both the position and the channel axis."""
    block = np.asarray(array[indices], dtype=np.float32)
    if flips is not None and flips.any():
        block[flips] = block[flips][:, ::-1, ::-1]
    return torch.from_numpy(np.ascontiguousarray(block))
