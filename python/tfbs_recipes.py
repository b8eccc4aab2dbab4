"""Training recipes for python/tfbs_train.py (issue 14): the pieces that change how a DanQ-family model
is trained without changing what is exported. Every exported graph is still the plain network
(one Conv1d with stored weights -> MaxPool -> BiLSTM -> Dense -> Dense -> sigmoid), so the engine's
chunk graph, int8 path and ISM graphs keep working:

- reverse-complement-shared first convolution (`--rc-shared`): half the learned filters are free, the
  other half are their reverse complements (in A,G,C,T order a flip of both the channel and the
  position axis), with shared biases; the export materialises the full filter bank;
- motif priors (`--motif-priors`): fixed JASPAR log-odds filters (both strands) beside the learned
  ones; only their biases (thresholds) are learned; with `--motif-priors-trainable` the log-odds are
  only the filters' initial values and the optimiser updates them too (the two strands stay tied);
- shift augmentation (`--shift-augment N`) and input dropout (`--input-dropout P`) of the training
  windows, in numpy, before they reach the model;
- weight averaging (`--ema DECAY`, `--swa-epochs K`): validation, epoch selection and the export all
  use the averaged weights;
- positive weights (`--pos-weight CAP`): BCE pos_weight per output from the training prevalence.

The module imports nothing heavy at load time: torch and numpy are passed in (the trainer imports
them once), so the unit tests in test/python/ can use the numpy parts on their own.
"""
import hashlib
import os
import re

# FIMO's default motif pseudocount (--motif-pseudo 0.1), spread over a uniform background: the same
# log-odds as src/motifs/fimo.ts (buildScanner), so a frozen filter equals what the scanner scores.
MOTIF_PSEUDOCOUNT = 0.1
MOTIF_BACKGROUND = 0.25
# Frozen filters are log2-odds divided by the motif's best possible score, so that a perfect site
# scores 1.0 (the learned filters' outputs are of order 1; raw log-odds reach 20-30 bits and would
# saturate the LSTM). Their bias starts at -0.5: a site must reach half the best score to pass the
# ReLU (for a CTCF-length motif about FIMO's p < 1e-4), and is then learned.
MOTIF_BIAS_INIT = -0.5
DEFAULT_MOTIF_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "jaspar",
                                  "JASPAR2024_CORE_vertebrates_non-redundant_pfms.jaspar")
# The curated factor name -> JASPAR matrix table (DeepSEA/ENCODE labels such as GABP, NRSF, PU.1 are
# not JASPAR's gene symbols); src/motifs/factors.ts reads the same file with the same name rules.
DEFAULT_FACTOR_TABLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "motifs",
                                    "factor-motifs.tsv")
# JASPAR writes rows A, C, G, T; the model's one-hot is A, G, C, T.
JASPAR_ROW_TO_MODEL = {"A": 0, "C": 2, "G": 1, "T": 3}
# A neighbouring window supplies the bases a shift needs only if its overlap with this window is
# identical and at least this share of it is known (not N): an all-N overlap proves nothing.
MIN_KNOWN_OVERLAP = 0.5


class RecipeError(ValueError):
    """A usage or input problem with a recipe option; the trainer turns it into its own error."""

    def __init__(self, message, field=None, kind="usage", file=None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.kind = kind
        self.file = file


# Defaults of every recipe setting in the trainer's hyper-parameters: a checkpoint written before a
# setting existed resumes with it off.
RECIPE_DEFAULTS = {
    "rc_shared": False, "shift_augment": 0, "input_dropout": 0.0, "ema": None, "swa_epochs": None,
    "motif_priors": None, "motif_file": None, "motif_priors_trainable": False, "pos_weight": None,
}


def validate_recipe(h, config, input_length):
    """Checks the recipe settings against each other and the architecture; messages name the flag."""
    if not isinstance(h["shift_augment"], int) or h["shift_augment"] < 0:
        raise RecipeError("--shift-augment must be a whole number of bp >= 0, found %r" % (h["shift_augment"],), "shift_augment")
    if h["shift_augment"] * 2 >= input_length:
        raise RecipeError("--shift-augment %d is too large for %d bp windows (it must be below half the window, %d)"
                          % (h["shift_augment"], input_length, (input_length + 1) // 2 - 1), "shift_augment")
    if not (0.0 <= h["input_dropout"] < 1.0):
        raise RecipeError("--input-dropout is the share of positions set to N, in [0, 1); found %r" % (h["input_dropout"],),
                          "input_dropout")
    if h["ema"] is not None and not (0.0 < h["ema"] < 1.0):
        raise RecipeError("--ema is a decay per step in (0, 1), e.g. 0.99; found %r" % (h["ema"],), "ema")
    if h["swa_epochs"] is not None and (not isinstance(h["swa_epochs"], int) or h["swa_epochs"] < 2):
        raise RecipeError("--swa-epochs must be a whole number >= 2 (the epochs averaged), found %r" % (h["swa_epochs"],),
                          "swa_epochs")
    if h["ema"] is not None and h["swa_epochs"] is not None:
        raise RecipeError("--ema and --swa-epochs exclude each other: choose one way of averaging the weights", "ema")
    if h["pos_weight"] is not None and not (h["pos_weight"] >= 1.0 and h["pos_weight"] < float("inf")):
        raise RecipeError("--pos-weight is the cap on each output's positive weight, a number >= 1; found %r" % (h["pos_weight"],),
                          "pos_weight")
    if h["rc_shared"] and config["conv_filters"] % 2:
        raise RecipeError("--rc-shared pairs every learned filter with its reverse complement, so conv_filters must be "
                          "even; found %d (--arch conv_filters=...)" % config["conv_filters"], "rc_shared")
    if h["motif_file"] and not h["motif_priors"]:
        raise RecipeError("--motif-file needs --motif-priors (which motifs of the file to use)", "motif_file")
    if h["motif_priors_trainable"] and not h["motif_priors"]:
        raise RecipeError("--motif-priors-trainable needs --motif-priors (which motifs start the trainable filters)",
                          "motif_priors_trainable")


def describe_recipe(h):
    """The recipe part of the one-line training summary (empty for the plain recipe)."""
    parts = []
    if h.get("rc_shared"):
        parts.append("RC-shared conv")
    if h.get("motif_priors"):
        parts.append("%smotif priors (%s)" % ("trainable " if h.get("motif_priors_trainable") else "", h["motif_priors"]))
    if h.get("shift_augment"):
        parts.append("shift augmentation +-%d bp" % h["shift_augment"])
    if h.get("input_dropout"):
        parts.append("input dropout %g" % h["input_dropout"])
    if h.get("ema") is not None:
        parts.append("EMA of weights (decay %g)" % h["ema"])
    if h.get("swa_epochs") is not None:
        parts.append("weights averaged over the last %d epochs" % h["swa_epochs"])
    if h.get("pos_weight") is not None:
        parts.append("BCE pos_weight capped at %g" % h["pos_weight"])
    return parts


# --------------------------------------------------------------------------------------------------
# Motif priors

def parse_jaspar(text, file="JASPAR text"):
    """[(id, name, counts)] with counts a list of width rows [A, G, C, T] (the model's order)."""
    motifs = []
    header, rows = None, None

    def finish():
        if header is None:
            return
        if any(r is None for r in rows):
            raise RecipeError("motif %s lacks one of the rows A, C, G, T" % header[0], kind="input", file=file)
        width = len(rows[0])
        if not width or any(len(r) != width for r in rows):
            raise RecipeError("motif %s: the A, C, G, T rows have different lengths" % header[0], kind="input", file=file)
        counts = [[rows[b][i] for b in range(4)] for i in range(width)]
        if any(sum(col) <= 0 for col in counts):
            raise RecipeError("motif %s has a column without counts" % header[0], kind="input", file=file)
        motifs.append((header[0], header[1], counts))

    for n, raw in enumerate(text.splitlines()):
        line = raw.strip()
        if not line:
            continue
        if line.startswith(">"):
            finish()
            fields = line[1:].split()
            if not fields:
                raise RecipeError('line %d: a ">" header without a matrix ID' % (n + 1), kind="input", file=file)
            header = (fields[0], " ".join(fields[1:]) or fields[0])
            rows = [None, None, None, None]
            continue
        letter = line[0]
        if header is None or letter not in JASPAR_ROW_TO_MODEL:
            raise RecipeError("line %d is not JASPAR (\">ID name\" or \"A [ counts ]\")" % (n + 1), kind="input", file=file)
        try:
            values = [float(v) for v in line[1:].replace("[", " ").replace("]", " ").split()]
        except ValueError:
            raise RecipeError("line %d: motif %s row %s holds a value that is not a count" % (n + 1, header[0], letter),
                              kind="input", file=file)
        rows[JASPAR_ROW_TO_MODEL[letter]] = values
    finish()
    return motifs


def log_odds(np, counts, pseudocount=MOTIF_PSEUDOCOUNT, background=MOTIF_BACKGROUND):
    """width x 4 log2-odds in A,G,C,T order, as src/motifs/fimo.ts buildScanner computes them."""
    c = np.asarray(counts, dtype=np.float64)
    total = c.sum(axis=1, keepdims=True)
    p = (c + pseudocount * background) / (total + pseudocount)
    return np.log2(p / background)


def factor_names(targets):
    """Factors of experiment names "cell|factor|treatment" (or the whole name), as written."""
    out = []
    for t in targets:
        parts = t.split("|")
        name = (parts[1] if len(parts) >= 2 else parts[0]).strip()
        if name not in out:
            out.append(name)
    return out


def normalise_factor_name(name):
    """The label rules of src/motifs/factors.ts: epitope tags, antibody codes, "c-", punctuation."""
    name = re.sub(r"^(eGFP|GFP|HA|FLAG)-", "", name.strip(), flags=re.I)
    name = re.sub(r"-[A-Z]\d{2}$", "", name)
    name = re.sub(r"^c-", "", name, flags=re.I)
    return re.sub(r"[-_.\s]", "", name).upper()


def read_factor_table(path=DEFAULT_FACTOR_TABLE):
    """[(factor, hgnc, [matrix IDs])] of the factor table; [] where it is not installed."""
    try:
        with open(path, "r", encoding="utf-8") as f:
            lines = [l.rstrip("\n") for l in f if l.strip() and not l.startswith("#")]
    except OSError:
        return []
    rows = []
    for line in lines[1:]:
        cells = line.split("\t")
        ids = [] if cells[4].strip() == "-" else [i.strip() for i in cells[4].split(",") if i.strip()]
        rows.append((cells[0].strip(), cells[1].strip(), ids))
    return rows


def table_matrix_ids(table, factor):
    """The table's matrix IDs for a factor name (exact, normalised, or HGNC symbol); None if not listed."""
    for name, _, ids in table:
        if name == factor:
            return ids
    key = normalise_factor_name(factor)
    for name, _, ids in table:
        if normalise_factor_name(name) == key:
            return ids
    for _, hgnc, ids in table:
        if hgnc.upper() == key:
            return ids
    return None


def motifs_of_factor(motifs, factor, table):
    """A factor's motifs: the table's matrices when it lists the factor, else JASPAR's names."""
    ids = table_matrix_ids(table, factor)
    if ids is not None:
        return [m for m in motifs if m[0] in ids]
    return [m for m in motifs if any(part.strip().upper() == factor.strip().upper() for part in m[1].split("::"))]


def select_motifs(motifs, spec, targets, kernel, table=None):
    """The motifs named by --motif-priors SPEC: "targets" (the matrices of every output's factor, looked
    up in the factor table data/motifs/factor-motifs.tsv; a factor it does not list by JASPAR's names,
    a dimer "A::B" counting for both), "all", or a comma list of matrix IDs (MA0139.2, or MA0139 for
    any version) and factor names (looked up the same way). Motifs wider than the convolution's kernel cannot be a
    filter: named ones are refused, the others skipped and reported. Returns (chosen, skipped)."""
    table = read_factor_table() if table is None else table
    spec = (spec or "").strip()
    if not spec:
        raise RecipeError("--motif-priors needs a value: targets, all, or motif IDs / factor names separated by commas",
                          "motif_priors")
    if spec.lower() in ("targets", "all"):
        if spec.lower() == "all":
            wanted = list(motifs)
        else:
            wanted_ids = set()
            for factor in factor_names(targets):
                wanted_ids.update(m[0] for m in motifs_of_factor(motifs, factor, table))
            wanted = [m for m in motifs if m[0] in wanted_ids]
        if not wanted:
            raise RecipeError("--motif-priors %s: no motif of the file matches the outputs' factors" % spec, "motif_priors")
        chosen = [m for m in wanted if len(m[2]) <= kernel]
        skipped = [{"id": m[0], "name": m[1], "width": len(m[2]), "why": "wider than conv_kernel %d" % kernel}
                   for m in wanted if len(m[2]) > kernel]
        if not chosen:
            raise RecipeError("--motif-priors %s: every matching motif is wider than conv_kernel %d" % (spec, kernel),
                              "motif_priors")
        return chosen, skipped
    chosen, skipped, seen = [], [], set()
    for token in [t.strip() for t in spec.split(",") if t.strip()]:
        by_id = [m for m in motifs if m[0].upper() == token.upper() or m[0].split(".")[0].upper() == token.upper()]
        found = by_id or motifs_of_factor(motifs, token, table)
        if not found:
            raise RecipeError("--motif-priors: no motif %r in the motif file (give matrix IDs such as MA0139.2, factor "
                              "names such as CTCF, or targets / all)" % token, "motif_priors")
        fitting = [m for m in found if len(m[2]) <= kernel]
        # A matrix named by its ID must fit; of a factor's several matrices, those that fit are used.
        if (by_id and len(fitting) < len(found)) or not fitting:
            m = [m for m in found if len(m[2]) > kernel][0]
            raise RecipeError("--motif-priors: motif %s (%s) is %d bp wide, wider than the first layer's kernel "
                              "(conv_kernel %d); choose a wider kernel (--arch conv_kernel=%d) or another motif"
                              % (m[0], m[1], len(m[2]), kernel, len(m[2])), "motif_priors")
        for m in found:
            if len(m[2]) > kernel:
                if m[0] not in seen:
                    skipped.append({"id": m[0], "name": m[1], "width": len(m[2]), "why": "wider than conv_kernel %d" % kernel})
            elif m[0] not in seen:
                chosen.append(m)
            seen.add(m[0])
    return chosen, skipped


def motif_bank(np, motif_file, spec, targets, kernel):
    """Frozen first-layer filters for --motif-priors: an array (2M, 4, kernel) in Conv1d layout —
    the M motifs forward, then the same M reverse-complemented — and their description. Each motif's
    log2-odds are divided by its best possible score and centred in the kernel; the columns outside
    the motif are zero (background)."""
    path = os.path.abspath(motif_file or DEFAULT_MOTIF_FILE)
    try:
        with open(path, "r", encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        raise RecipeError("cannot read the motif file (%s)" % e.strerror, "motif_file", kind="input", file=path)
    motifs = parse_jaspar(text, path)
    if not motifs:
        raise RecipeError("no motif in the file (JASPAR format expected)", "motif_file", kind="input", file=path)
    chosen, skipped = select_motifs(motifs, spec, targets, kernel)
    forward = np.zeros((len(chosen), 4, kernel), dtype=np.float32)
    described = []
    for i, (mid, name, counts) in enumerate(chosen):
        lo = log_odds(np, counts)
        best = float(lo.max(axis=1).sum())
        if not best > 0:
            raise RecipeError("motif %s (%s) carries no information (its best log-odds score is %g)" % (mid, name, best),
                              "motif_priors")
        width = lo.shape[0]
        offset = (kernel - width) // 2
        forward[i, :, offset:offset + width] = (lo / best).T.astype(np.float32)
        described.append({"id": mid, "name": name, "width": width, "offset": offset, "scale": 1.0 / best,
                          "bestScoreBits": best})
    bank = np.concatenate([forward, forward[:, ::-1, ::-1]], axis=0)
    with open(path, "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    info = {"file": os.path.basename(path), "sha256": sha, "spec": spec, "motifs": len(chosen),
            "filters": int(bank.shape[0]), "pseudocount": MOTIF_PSEUDOCOUNT, "background": MOTIF_BACKGROUND,
            "biasInit": MOTIF_BIAS_INIT,
            "weights": "log2-odds / the motif's best score, centred in the kernel, zero outside the motif; frozen",
            "order": "after the learned filters: the motifs forward, then the same motifs reverse-complemented",
            "described": described, "skipped": skipped}
    return np.ascontiguousarray(bank), info


# --------------------------------------------------------------------------------------------------
# The first convolution

def first_conv(torch, in_channels, learned, kernel, rc_shared=False, motif_weight=None, motif_trainable=False):
    """nn.Conv1d when no recipe changes the first layer (the plain network, same parameters and the
    same random initialisation as before); otherwise a module whose filter bank is
    [learned | reverse complements of the learned (rc_shared) | motif filters] and that can
    hand that bank over as plain Conv1d weights (materialise).

    The motif filters are frozen (a buffer) unless motif_trainable: then the forward half of
    `motif_weight` is a parameter initialised from the log-odds, and the reverse-complement half is
    derived from it, so each motif stays one scanner of both strands with one threshold, as frozen."""
    nn = torch.nn
    if not rc_shared and motif_weight is None:
        return nn.Conv1d(in_channels, learned, kernel)

    class RecipeConv1d(nn.Module):
        def __init__(self):
            super().__init__()
            free = learned // 2 if rc_shared else learned
            # Initialised exactly as a Conv1d of `free` filters would be.
            init = nn.Conv1d(in_channels, free, kernel)
            self.weight = nn.Parameter(init.weight.detach().clone())
            self.bias = nn.Parameter(init.bias.detach().clone())
            self.rc_shared = rc_shared
            self.motif_trainable = bool(motif_trainable) and motif_weight is not None
            if motif_weight is not None:
                bank = torch.as_tensor(motif_weight, dtype=torch.float32).clone()
                if self.motif_trainable:
                    # Only the forward strands are free; motif_bank's second half is their reverse complements.
                    self.motif_weight = nn.Parameter(bank[: bank.shape[0] // 2].clone())
                else:
                    self.register_buffer("motif_weight", bank)
                # One learned threshold per motif, shared by its two strands.
                self.motif_bias = nn.Parameter(torch.full((int(motif_weight.shape[0]) // 2,), MOTIF_BIAS_INIT))
            else:
                self.motif_weight = None
                self.motif_bias = None

        def motif_bank(self):
            if self.motif_trainable:
                return torch.cat([self.motif_weight, torch.flip(self.motif_weight, dims=(1, 2))], dim=0)
            return self.motif_weight

        def materialise(self):
            w, b = self.weight, self.bias
            if self.rc_shared:
                w = torch.cat([w, torch.flip(w, dims=(1, 2))], dim=0)
                b = torch.cat([b, b], dim=0)
            if self.motif_weight is not None:
                w = torch.cat([w, self.motif_bank()], dim=0)
                b = torch.cat([b, self.motif_bias, self.motif_bias], dim=0)
            return w, b

        def forward(self, x):
            w, b = self.materialise()
            return torch.nn.functional.conv1d(x, w, b)

    return RecipeConv1d()


def conv_filter_count(config, motif_weight):
    return config["conv_filters"] + (int(motif_weight.shape[0]) if motif_weight is not None else 0)


def first_layer_weights(conv):
    """The first layer's whole filter bank (F, 4, K) and biases (F,), as a plain Conv1d would hold them."""
    return conv.materialise() if hasattr(conv, "materialise") else (conv.weight, conv.bias)


def plain_state_dict(model):
    """The model's state with the first layer materialised as a plain Conv1d's conv.weight / conv.bias."""
    state = {k: v.detach().clone() for k, v in model.state_dict().items() if not k.startswith("conv.")}
    w, b = first_layer_weights(model.conv)
    state["conv.weight"] = w.detach().clone()
    state["conv.bias"] = b.detach().clone()
    return state


# --------------------------------------------------------------------------------------------------
# Window augmentation (numpy)

def shift_windows(np, array, indices, shifts, stride):
    """Rows `indices` of `array` (N, L, 4), each moved along the genome by shifts[i] bp (positive:
    the window starts later, so the sequence moves left). The bases a shift brings in come from the
    neighbouring row when that row is the next (previous) window `stride` bp along — checked: the
    overlap must be identical and at least half known — and are N (zeros) otherwise. Returns
    (float32 block, windows filled from a neighbour, windows padded with N)."""
    indices = np.asarray(indices)
    block = np.asarray(array[indices], dtype=np.float32)
    count, length = int(array.shape[0]), int(array.shape[1])
    out = np.zeros_like(block)
    from_neighbour, padded = 0, 0
    overlap = length - stride
    for i, (row, s) in enumerate(zip(indices.tolist(), np.asarray(shifts).tolist())):
        s = int(s)
        if s == 0:
            out[i] = block[i]
            continue
        a = abs(s)
        neighbour = None
        if 0 < overlap and a <= stride:
            other = row + 1 if s > 0 else row - 1
            if 0 <= other < count:
                nb = np.asarray(array[other], dtype=np.float32)
                mine, theirs = (block[i, stride:], nb[:overlap]) if s > 0 else (block[i, :overlap], nb[stride:])
                if np.array_equal(mine, theirs) and mine.sum() >= MIN_KNOWN_OVERLAP * overlap:
                    neighbour = nb
        if s > 0:
            out[i, :length - a] = block[i, a:]
            if neighbour is not None:
                out[i, length - a:] = neighbour[overlap:overlap + a]
        else:
            out[i, a:] = block[i, :length - a]
            if neighbour is not None:
                out[i, :a] = neighbour[stride - a:stride]
        if neighbour is not None:
            from_neighbour += 1
        else:
            padded += 1
    return out, from_neighbour, padded


def draw_shifts(np, rng, count, max_shift):
    """One shift per training row for the epoch, uniform in [-max_shift, max_shift]."""
    return rng.integers(-max_shift, max_shift + 1, size=count)


def input_dropout(np, block, rate, rng):
    """Sets a share `rate` of the positions of each window to N (all four channels zero), in place.
    No rescaling: N is an input the model meets at inference too."""
    if rate <= 0:
        return block
    mask = rng.random(block.shape[:2]) < rate
    block[mask] = 0.0
    return block


def step_rng(np, seed, epoch, step):
    """Randomness of one training step that depends only on (seed, epoch, step): a resumed run draws
    the same masks as an uninterrupted one."""
    return np.random.default_rng([seed, epoch, step, 14])


# --------------------------------------------------------------------------------------------------
# Positive weights

def positive_weights(np, labels, cap, chunk=65536):
    """BCE pos_weight per output from the training split's prevalence: negatives / positives, clipped
    to [1, cap] (rare outputs up-weighted, common ones left alone; an output without positives gets 1:
    there is nothing to weight). Returns (float32 weights, summary)."""
    n = int(labels.shape[0])
    positives = np.zeros(labels.shape[1], dtype=np.int64)
    for start in range(0, n, chunk):
        positives += np.asarray(labels[start:start + chunk]).sum(axis=0, dtype=np.int64)
    negatives = n - positives
    raw = np.where(positives > 0, negatives / np.maximum(positives, 1), 1.0)
    weights = np.clip(raw, 1.0, cap).astype(np.float32)
    weights[positives == 0] = 1.0
    summary = {"cap": float(cap), "rule": "negatives / positives in the training split, clipped to [1, cap]",
               "capped": int(((raw > cap) & (positives > 0)).sum()), "noPositives": int((positives == 0).sum()),
               "min": float(weights.min()), "median": float(np.median(weights)), "max": float(weights.max()),
               "weights": [float("%.6g" % w) for w in weights.tolist()]}
    return weights, summary


def weighted_bce(np, labels, probs, pos_weight=None):
    """Mean binary cross-entropy of probabilities; with pos_weight, the positive terms are weighted as
    BCEWithLogitsLoss(pos_weight=...) weights them (the loss the model was trained on)."""
    p = np.clip(probs.astype(np.float64), 1e-7, 1 - 1e-7)
    y = np.asarray(labels, dtype=np.float64)
    w = 1.0 if pos_weight is None else np.asarray(pos_weight, dtype=np.float64)[None, :]
    return float(-np.mean(w * y * np.log(p) + (1 - y) * np.log(1 - p)))


# --------------------------------------------------------------------------------------------------
# Weight averaging

class WeightAverager:
    """Averaged weights for validation, epoch selection and export.

    kind "ema": after every optimiser step, avg = d * avg + (1 - d) * w with d = min(decay,
    (1 + n) / (10 + n)) for the n-th update (the warm-up of TensorFlow's ExponentialMovingAverage,
    so that the first epochs are not dominated by the random initialisation); avg starts at the
    initial weights.
    kind "swa": at the end of every epoch the weights are kept; avg is the equal-weight mean of the
    last K epochs' weights (fewer in the first K - 1 epochs) — checkpoint averaging as in SWA with a
    constant learning rate, that also works with early stopping.
    The state (the EMA and its update count, the kept epochs) goes into every checkpoint."""

    def __init__(self, torch, model, kind, decay=None, epochs=None):
        self.torch = torch
        self.kind = kind
        self.decay = decay
        self.epochs = epochs
        self.updates = 0
        self.last_epoch = 0
        self.keys = [k for k, v in model.state_dict().items() if v.dtype.is_floating_point]
        if kind == "ema":
            self.average = {k: v.detach().clone() for k, v in model.state_dict().items() if k in self.keys}
        else:
            self.snapshots = []

    def after_step(self, model):
        if self.kind != "ema":
            return
        d = min(self.decay, (1.0 + self.updates) / (10.0 + self.updates))
        with self.torch.no_grad():
            state = model.state_dict()
            for k in self.keys:
                self.average[k].mul_(d).add_(state[k].detach(), alpha=1.0 - d)
        self.updates += 1

    def after_epoch(self, model, epoch):
        """Keeps epoch `epoch`'s weights (once: a run resumed between the epoch's last step and its
        validation passes here again)."""
        if self.kind != "swa" or epoch <= self.last_epoch:
            return
        self.last_epoch = epoch
        state = model.state_dict()
        self.snapshots.append({k: state[k].detach().to("cpu", copy=True) for k in self.keys})
        del self.snapshots[:-self.epochs]
        self.updates += 1

    def averaged(self, model):
        """A full state dict for `model` holding the averaged weights (None before anything was averaged)."""
        state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        if self.kind == "ema":
            for k in self.keys:
                state[k] = self.average[k].detach().clone()
        else:
            if not self.snapshots:
                return None
            for k in self.keys:
                stacked = self.torch.stack([s[k] for s in self.snapshots], dim=0)
                state[k] = stacked.mean(dim=0).to(state[k].device, state[k].dtype)
        return state

    def state_dict(self):
        base = {"kind": self.kind, "decay": self.decay, "epochs": self.epochs, "updates": self.updates,
                "last_epoch": self.last_epoch}
        if self.kind == "ema":
            base["average"] = {k: v.detach().to("cpu", copy=True) for k, v in self.average.items()}
        else:
            base["snapshots"] = self.snapshots
        return base

    def load_state_dict(self, d, device):
        if d.get("kind") != self.kind:
            raise RecipeError("the checkpoint averages its weights by %s, not %s" % (d.get("kind"), self.kind))
        self.updates = d["updates"]
        self.last_epoch = d.get("last_epoch", 0)
        if self.kind == "ema":
            self.average = {k: v.to(device) for k, v in d["average"].items()}
        else:
            self.snapshots = list(d["snapshots"])

    def describe(self):
        if self.kind == "ema":
            return {"kind": "ema", "decay": self.decay, "updates": self.updates,
                    "rule": "avg = d*avg + (1-d)*w after every step, d = min(decay, (1+n)/(10+n)); starts at the initial weights"}
        return {"kind": "swa", "epochs": self.epochs, "averagedEpochs": len(self.snapshots),
                "rule": "equal-weight mean of the weights at the end of the last K epochs (up to the selected one)"}


def make_averager(torch, model, hyper):
    if hyper.get("ema") is not None:
        return WeightAverager(torch, model, "ema", decay=hyper["ema"])
    if hyper.get("swa_epochs") is not None:
        return WeightAverager(torch, model, "swa", epochs=hyper["swa_epochs"])
    return None
