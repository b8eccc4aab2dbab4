#!/usr/bin/env python3
"""
One variant shard: its records (tabix -R on the shard's BED, header included) into a plain VCF in
the shard folder, then `tfbs variants` on it once per output format; the copy is removed at the end.
The CLI streams a plain VCF with bounded memory, whatever the shard's size.

A shard with no records writes empty outputs. A shard whose records are all unscorable (tfbs variants
then exits 1 with "nothing could be scored", where a single run over the whole VCF would have scored
others) is scored again with one scorable SNV appended (the middle of the FASTA's longest contig), whose
lines are then removed: the not-scored list keeps tfbs's own reasons, exactly as a single run lists them.

usage: score_variant_shard.py SHARD.bed VCF.gz FASTA THREADS "TFBS" "OPTIONS" PREFIX FORMAT…
  writes PREFIX.vcf / PREFIX.tsv (per FORMAT) and PREFIX.not-scored.tsv; stderr is the shard's log.
"""
import os
import shlex
import subprocess
import sys

bed, vcf, fasta, threads, tfbs, options, prefix, *formats = sys.argv[1:]
not_scored = f"{prefix}.not-scored.tsv"


def write(path, text):
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.replace(path + ".tmp", path)


if os.path.getsize(bed) == 0:
    sys.stderr.write(f"{bed}: no records in this shard (more shards than places to cut the VCF)\n")
    for path in [f"{prefix}.{fmt}" for fmt in formats] + [not_scored]:
        write(path, "")
    sys.exit(0)

SENTINEL_ID = "tfbs_shard_sentinel"


def sentinel_record():
    """A SNV in the middle of the FASTA's longest contig (read through the .fai), or None if none is long enough."""
    with open(fasta + ".fai") as f:
        entries = [l.split("\t") for l in f if l.strip()]
    name, length, offset, line_bases, line_bytes = max(entries, key=lambda e: int(e[1]))[:5]
    length, offset, line_bases, line_bytes = int(length), int(offset), int(line_bases), int(line_bytes)
    if length < 2000:
        return None
    pos = length // 2
    with open(fasta, "rb") as f:
        f.seek(offset + (pos - 1) // line_bases * line_bytes + (pos - 1) % line_bases)
        ref = f.read(1).decode().upper()
    if ref not in "ACGT":
        ref = "A"  # scored all the same; the REF mismatch does not matter, its lines are removed
    return f"{name}\t{pos}\t{SENTINEL_ID}\t{ref}\t{'C' if ref != 'C' else 'G'}\t.\t.\t.\n"


def score(records):
    """Runs tfbs variants once per format; the stderr of a run that failed, else None."""
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
            return r.stderr
    return None


def drop_sentinel(path):
    with open(path) as f:
        kept = [l for l in f if f"\t{SENTINEL_ID}\t" not in l]
    write(path, "".join(kept))


records = f"{prefix}.input.vcf"
with open(records, "w") as out:
    r = subprocess.run(["tabix", "-h", "-R", bed, vcf], stdout=out, stderr=subprocess.PIPE, text=True)
if r.returncode != 0:
    sys.stderr.write(f"tabix -h -R {bed} {vcf}: {r.stderr}\n")
    sys.exit(1)
try:
    failed = score(records)
    if failed is not None and "nothing could be scored" in failed and sentinel_record():
        sys.stderr.write("no allele of this shard can be scored: again with one scorable SNV appended, to list them with their reasons\n")
        with open(records, "a") as f:
            f.write(sentinel_record())
        failed = score(records)
        if failed is None:
            for path in [f"{prefix}.{fmt}" for fmt in formats] + [not_scored]:
                drop_sentinel(path)
    if failed is not None:
        sys.exit(1)
finally:
    os.remove(records)
