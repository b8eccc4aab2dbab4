#!/usr/bin/env python3
"""Trains a DanQ-family model (Conv1D -> MaxPool -> BiLSTM -> dense head) on a prepared TFBS Lens
dataset directory and exports it as a TFBS Lens model package (model.onnx + model.json).

The TypeScript side (src/training/) spawns this script and reads its stdout: one JSON object per line
(type start / step / epoch / done / error). Human-readable messages go to stderr. Only the standard
library, numpy and torch are used. This file is the command line and the training loop; beside it:
tfbs_dataset.py (the prepared dataset), tfbs_model.py (the network and its presets), tfbs_protocols.py
(defaults, optimisers), tfbs_metrics.py, tfbs_export.py (the package), tfbs_process.py (errors, exit
codes, progress, stop requests) and tfbs_recipes.py (--rc-shared, --shift-augment, --input-dropout,
--ema, --swa-epochs, --motif-priors, --motif-priors-trainable, --pos-weight).

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
import json
import math
import random
import shutil
import sys
import time

import tfbs_recipes as recipes
from tfbs_dataset import batch_tensor, dataset_fingerprint, default_shuffle_block, epoch_order, epoch_rng, load_dataset
from tfbs_export import PACKAGE_DIR, export_package
from tfbs_metrics import rankable_targets, summarise_predictions
from tfbs_model import PRESETS, build_model, count_parameters, parse_arch, plain_model, resolve_config
from tfbs_process import (EXIT_BY_KIND, EXIT_CANCELLED, EXIT_FAILURE, EXIT_OK, LOG_FILE, REPORT, STOP, Cancelled,
                          TrainError, atomic_torch_save, debug_fail, finite_or_none, first_line)
from tfbs_protocols import MONITOR_WORDS, OPTIMIZERS, PROTOCOLS, make_optimizer, validate_hyper


MIN_TORCH = (1, 13)
CHECKPOINT_FILE = "checkpoint.pt"
BEST_FILE = "best.pt"
CHECKPOINT_FORMAT = "tfbs-lens-checkpoint"
MONITOR_UNDEFINED = ("--monitor roc-auc: no experiment has both positives (at least 5) and negatives in the validation "
                     "split, so its ROC AUC is undefined; use --monitor loss or a larger validation split")


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
# Training


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
            "motif_priors_trainable": bool(args.motif_priors_trainable),
            "pos_weight": args.pos_weight,
        }
    validate_hyper(hyper)
    if hyper["monitor"] == "roc-auc" and not rankable_targets(valid_split.y, np):
        # Known from the labels alone: refuse now rather than after a first epoch of training.
        raise TrainError("input", MONITOR_UNDEFINED, field="monitor")
    try:
        recipes.validate_recipe(hyper, config, input_length)
    except recipes.RecipeError as e:
        raise TrainError(e.kind, e.message, file=e.file, field=e.field)

    # Motif priors: the filters (frozen, or their initial values with --motif-priors-trainable) are built once from the motif file and travel in the
    # checkpoint, so that a resumed run does not depend on the file any more.
    motifs = checkpoint.get("motifs") if checkpoint is not None else None
    if motifs is None and hyper["motif_priors"]:
        try:
            bank, info = recipes.motif_bank(np, hyper["motif_file"], hyper["motif_priors"], targets, config["conv_kernel"])
        except recipes.RecipeError as e:
            raise TrainError(e.kind, e.message, file=e.file, field=e.field)
        # A tensor, not a numpy array: torch.load's weights_only mode (the default from torch 2.6) reads tensors only.
        motifs = {"weight": torch.from_numpy(bank), "info": info}
        REPORT.say("motif priors: %d JASPAR motifs (%d %s filters, both strands) beside %d learned filters%s"
                   % (info["motifs"], info["filters"],
                      "trainable (log-odds initialised)" if hyper["motif_priors_trainable"] else "frozen", config["conv_filters"],
                      "; skipped %d wider than conv_kernel %d (%s)" % (len(info["skipped"]), config["conv_kernel"],
                                                                       ", ".join(m["id"] for m in info["skipped"]))
                      if info["skipped"] else ""))
    motif_weight = motifs["weight"].numpy().astype(np.float32) if motifs is not None else None

    pos_weight, pos_weight_info = None, None
    if hyper["pos_weight"] is not None:
        pos_weight, pos_weight_info = recipes.positive_weights(np, train_split.y, hyper["pos_weight"])

    seed_everything(torch, np, hyper["seed"])
    model = build_model(torch, config, input_length, len(targets), hyper["rc_shared"], motif_weight,
                        hyper["motif_priors_trainable"]).to(device)
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
            if val_summary["meanRocAuc"] is None:  # checked before training; kept for the resume path
                raise TrainError("input", MONITOR_UNDEFINED, field="monitor")
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
        "motifPriors": (describe_motif_priors(motifs["info"], hyper) if motifs is not None else None),
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


def describe_motif_priors(info, hyper):
    """The motif bank's description; with --motif-priors-trainable its log-odds were where the
    filters started, and the export holds the trained filters."""
    described = dict(info)
    if hyper.get("motif_priors_trainable"):
        described["trainable"] = True
        described["weights"] = ("initialised to log2-odds / the motif's best score, centred in the kernel, zero outside "
                                "the motif; then trained (forward strand learned, its reverse complement tied)")
    return described


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
    p.add_argument("--motif-priors-trainable", action="store_true", default=None, dest="motif_priors_trainable",
                   help="the --motif-priors filters start from the log-odds and are trained with the rest (strands tied)")
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
    STOP.install(_EARLY_SIGNALS)
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
