#!/usr/bin/env python3
"""
Snakemake 7 `--cluster-status` command for SLURM: prints running, success or failed for a job id.

Works without accounting: the controller knows each job while it runs and for MinJobAge seconds
after it ends (300 by default, `scontrol show config | grep MinJobAge`), and `scontrol show job`
asks it. Once the controller has forgotten a job, `sacct` (SLURM accounting, when the cluster has it)
answers instead. A job neither knows any more ended long ago: "success" is printed, and Snakemake then
checks the job's output files and fails the job if they are missing — so a lost status can cost a rerun,
never a wrong result. A controller that does not answer (busy, restarting) counts as "running": the
next poll asks again.
"""
import shutil
import subprocess
import sys

RUNNING = {"PENDING", "CONFIGURING", "RUNNING", "COMPLETING", "SUSPENDED", "REQUEUED", "REQUEUE_HOLD",
           "REQUEUE_FED", "RESIZING", "SIGNALING", "STAGE_OUT", "STOPPED", "RESV_DEL_HOLD", "SPECIAL_EXIT"}
FAILED = {"FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY", "PREEMPTED", "BOOT_FAIL",
          "DEADLINE", "REVOKED"}

jobid, _, cluster = sys.argv[1].partition(";")
where = [f"--clusters={cluster}"] if cluster else []


def run(cmd):
    try:
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        return None, "timed out"
    return (r.stdout if r.returncode == 0 else None), r.stderr.strip()


def from_scontrol():
    out, err = run(["scontrol", *where, "show", "job", "-o", jobid])
    if out is None:
        return "forgotten" if "Invalid job id" in err else None
    for field in out.split():
        if field.startswith("JobState="):
            reason = next((f for f in out.split() if f.startswith("Reason=") and f != "Reason=None"), "")
            return field.split("=", 1)[1], reason
    return None


def from_sacct():
    if not shutil.which("sacct"):
        return None
    out, _ = run(["sacct", *where, "-j", jobid, "-X", "-n", "-P", "-o", "State"])
    states = [l.split()[0] for l in (out or "").splitlines() if l.strip()]
    return (states[-1], "") if states else None


state = from_scontrol()
if state == "forgotten":
    state = from_sacct() or "forgotten"
if state is None:
    print("running")  # the controller did not answer: ask again at the next poll
elif state == "forgotten":
    print("success")  # Snakemake checks the outputs
else:
    name, reason = state
    if name in RUNNING:
        print("running")
    elif name == "COMPLETED":
        print("success")
    else:
        sys.stderr.write(f"SLURM job {jobid}: {name} {reason}\n")
        print("failed")
