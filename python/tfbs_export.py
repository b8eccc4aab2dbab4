"""Export: ONNX + model.json + metrics + log + a parity sample, written to a temporary directory that
replaces WORK/package only when complete. Installing it at the user's --out is the caller's job,
after checking the graph in ONNX Runtime against PyTorch's outputs."""
import hashlib
import os
import shutil
import sys

import tfbs_recipes as recipes
from tfbs_dataset import batch_tensor
from tfbs_metrics import MIN_POSITIVES
from tfbs_model import count_parameters
from tfbs_process import LOG_FILE, STOP, Cancelled, TrainError, debug_fail, debug_pause, first_line, write_json
from tfbs_protocols import optimizer_description

PACKAGE_DIR = "package"
PARITY_FILE = "parity.json"
METRICS_FILE = "metrics.json"
CHANNELS = ["A", "G", "C", "T"]


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
