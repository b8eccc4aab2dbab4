"""Metrics in numpy, the same definitions as `tfbs evaluate` (src/core/metrics.ts): ROC AUC with
tied scores counted as half, average precision as sklearn defines it, and the per-split summary
(experiments with at least MIN_POSITIVES positives)."""

# Mean ROC AUC counts only experiments with at least this many positives in the split (the same rule
# as `tfbs evaluate`): an AUC over two positives is noise.
MIN_POSITIVES = 5


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


def rankable_targets(labels, np):
    """How many outputs have a defined ROC AUC in these labels (>= MIN_POSITIVES positives and at least
    one negative): the rule summarise_predictions applies, known before any prediction."""
    y = np.asarray(labels)
    positives = y.sum(axis=0)
    return int(np.sum((positives >= MIN_POSITIVES) & (positives < y.shape[0])))


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
