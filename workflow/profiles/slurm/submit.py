#!/usr/bin/env python3
"""
Snakemake 7 `--cluster` command for SLURM: submits one job script with sbatch and prints the job id.

Everything SLURM needs comes from the rule (Snakemake passes the job script, which carries the rule's
threads, resources and log): --cpus-per-task from threads, --mem from resources.mem_mb, --time from
resources.runtime (minutes), --partition from resources.partition, --gres=gpu:N from resources.gpus,
--account from resources.account. A resource left out is left to the cluster's defaults (and to
SBATCH_PARTITION / SBATCH_ACCOUNT in the environment, which sbatch reads itself). SLURM's own output
file is written beside the rule's log (LOG.slurm-JOBID.out), or in slurm-logs/ for a rule without one:
a job SLURM kills (time limit, memory, scancel) says so there.
Extra sbatch options: add them after the script's name in the profile (cluster: "submit.py --qos=long").
"""
import json
import os
import subprocess
import sys


def read_job_properties(jobscript):
    """The job's rule, threads, resources and log: Snakemake writes them into the script as one JSON line."""
    with open(jobscript) as f:
        for line in f:
            if line.startswith("# properties = "):
                return json.loads(line[len("# properties = "):])
    sys.exit(f"{jobscript}: no '# properties = ' line (not a Snakemake job script?)")


extra, jobscript = sys.argv[1:-1], sys.argv[-1]
job = read_job_properties(jobscript)
resources = job.get("resources", {})
rule = job.get("rule", "job")
wildcards = "-".join(str(v) for v in job.get("wildcards", {}).values())

log = (job.get("log") or [None])[0]
output = f"{log}.slurm-%j.out" if log else os.path.join("slurm-logs", f"{rule}{'-' + wildcards if wildcards else ''}-%j.out")
os.makedirs(os.path.dirname(output) or ".", exist_ok=True)  # sbatch does not create it: the job would vanish

args = ["sbatch", "--parsable", f"--job-name=tfbs.{rule}{'.' + wildcards if wildcards else ''}", f"--output={output}"]
args.append(f"--cpus-per-task={job.get('threads', 1)}")
if resources.get("mem_mb"):
    args.append(f"--mem={int(resources['mem_mb'])}")
if resources.get("runtime"):
    args.append(f"--time={int(resources['runtime'])}")
for key, flag in (("partition", "--partition"), ("account", "--account"), ("qos", "--qos")):
    if resources.get(key):
        args.append(f"{flag}={resources[key]}")
if int(resources.get("gpus", 0) or 0) > 0:
    args.append(f"--gres=gpu:{int(resources['gpus'])}")
args += extra + [jobscript]

r = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
if r.returncode != 0:
    sys.stderr.write(f"sbatch refused the {rule} job {wildcards}: {r.stderr.strip()}\n  ({' '.join(args)})\n")
    sys.exit(1)
# --parsable prints "JOBID" or "JOBID;CLUSTER"; status.py reads both.
print(r.stdout.strip())
