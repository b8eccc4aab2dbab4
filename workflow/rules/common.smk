# Rules and helpers both workflows share: the FASTA index (made once, on the submitting machine, before
# any job needs it) and the report that names each shard that did not finish and where its logs are.

import glob
import os
import sys


def shell_quote(options):
    return " ".join("'" + str(o).replace("'", "'\\''") + "'" for o in options)


def model_options(config):
    """--model/--targets/--no-rc/--device, as tfbs score and tfbs variants both read them."""
    opts = []
    if config.get("model"):
        opts += ["--model", config["model"]]
    if config.get("targets"):
        opts += ["--targets", str(config["targets"])]
    if str(config.get("rc", True)).lower() in ("false", "0", "no"):
        opts += ["--no-rc"]
    if config.get("device") and config["device"] != "cpu":
        opts += ["--device", config["device"]]
    return shell_quote(opts)


# Building the index reads the whole FASTA once: it runs here (not as a cluster job, and not inside each
# shard job, which would each read the genome) before the first shard is submitted.
localrules:
    index,


rule index:
    input:
        FASTA,
    output:
        FASTA + ".fai",
    shell:
        "{TFBS} index {input}"


def report_unfinished_shards(work, outputs):
    """
    After a failed run: which shards have no output, with their logs (the rule's own log and SLURM's
    job output beside it), so the user knows what to read before running the same command again.
    """
    missing = [(item, out) for item, out in outputs if not os.path.exists(out)]
    if not missing:
        return
    lines = []
    for item, out in missing:
        log = os.path.abspath(os.path.join(work, f"{item}.log"))
        if not os.path.exists(log) and not glob.glob(f"{log}.slurm-*.out"):
            continue  # never started: it waited on the one that failed
        k, n = item.split("-of-")
        where = [log] + sorted(glob.glob(f"{log}.slurm-*.out"))
        tail = ""
        if os.path.exists(log):
            last = [l.rstrip() for l in open(log, errors="replace").read().splitlines() if l.strip()][-3:]
            tail = "".join(f"\n      | {l}" for l in last)
        lines.append(f"  shard {k}/{n} failed; its log: {', '.join(where)}{tail}")
    if lines:
        sys.stderr.write(
            "TFBS Lens: the merge did not run because these shards failed (after their retries):\n"
            + "\n".join(lines)
            + "\nThe finished shards are kept: after fixing the cause, run the same command again and only these are rerun.\n"
        )
