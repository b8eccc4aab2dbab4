#!/usr/bin/env python3
"""
One variant shard: its records (tabix -R on the shard's BED, header included) into a plain VCF in
the shard folder, then `tfbs variants` on it once per output format; the copy is removed at the end.
The CLI streams a plain VCF with bounded memory, whatever the shard's size.

A shard with no records, or whose records are all unscorable (tfbs variants then exits 1 with
"nothing could be scored"; a single run over the whole VCF would still have scored others), writes
empty outputs; in the second case every allele is listed in the not-scored file with the CLI's reason.

usage: score_variant_shard.py SHARD.bed VCF.gz FASTA THREADS "TFBS" "OPTIONS" PREFIX FORMAT…
  writes PREFIX.vcf / PREFIX.tsv (per FORMAT) and PREFIX.not-scored.tsv; stderr is the shard's log.
"""
import os
import shlex
import subprocess
import sys

bed, vcf, fasta, threads, tfbs, options, prefix, *formats = sys.argv[1:]
not_scored = f"{prefix}.not-scored.tsv"
NOT_SCORED_HEADER = "chrom\tpos\tid\tref\talt\tline\treason\tdetail\n"


def write(path, text):
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.replace(path + ".tmp", path)


def empty_outputs(listed):
    for fmt in formats:
        write(f"{prefix}.{fmt}", "")
    write(not_scored, NOT_SCORED_HEADER + listed if listed else "")


if os.path.getsize(bed) == 0:
    sys.stderr.write(f"{bed}: no records in this shard (more shards than places to cut the VCF)\n")
    empty_outputs("")
    sys.exit(0)

records = f"{prefix}.input.vcf"
with open(records, "w") as out:
    r = subprocess.run(["tabix", "-h", "-R", bed, vcf], stdout=out, stderr=subprocess.PIPE, text=True)
if r.returncode != 0:
    sys.stderr.write(f"tabix -h -R {bed} {vcf}: {r.stderr}\n")
    sys.exit(1)
try:
    for i, fmt in enumerate(formats):
        # The not-scored list is the same for every format: written once.
        listing = not_scored if i == 0 else f"{prefix}.not-scored.{fmt}.tmp"
        cmd = f"{tfbs} variants --vcf {shlex.quote(records)} --fasta {shlex.quote(fasta)} {options} --threads {int(threads)} " \
              f"--format {fmt} -o {shlex.quote(f'{prefix}.{fmt}')} --not-scored {shlex.quote(listing)}"
        sys.stderr.write(f"$ {cmd}\n")
        sys.stderr.flush()
        r = subprocess.run(cmd, shell=True, stderr=subprocess.PIPE, text=True)
        sys.stderr.write(r.stderr)
        if i > 0 and os.path.exists(listing):
            os.remove(listing)
        if r.returncode != 0:
            reason = next((l for l in r.stderr.splitlines() if "nothing could be scored" in l), None)
            if reason is None:
                sys.exit(r.returncode)
            detail = reason.split("nothing could be scored", 1)[1].lstrip(": ").replace("\t", " ")
            lines = []
            with open(records) as f:
                for n, line in enumerate(f, 1):
                    if line.startswith("#") or not line.strip():
                        continue
                    c = line.rstrip("\n").split("\t")
                    lines += [f"{c[0]}\t{c[1]}\t{c[2]}\t{c[3]}\t{alt}\t{n}\tshard_not_scored\tno allele of this shard could be scored: {detail}\n" for alt in c[4].split(",")]
            empty_outputs("".join(lines))
            break
finally:
    os.remove(records)
