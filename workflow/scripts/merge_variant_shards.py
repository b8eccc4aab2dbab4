#!/usr/bin/env python3
"""
Merges the variant shards in shard order into what one `tfbs variants` run over the whole VCF writes:
OUT.vcf.gz (BGZF, compressed by bgzip) with its tabix index, OUT.tsv and OUT.not-scored.tsv. The
shards are concatenated as text — header from the first shard that has one, then every shard's
records — because re-encoding through bcftools would rewrite the scores' number formatting. The
not-scored lines get back their line numbers in the input VCF (shard line + the records of earlier
shards, from plan.tsv). Outputs appear only when complete (written beside, then renamed).

usage: merge_variant_shards.py PLAN.tsv OUT_PREFIX FORMATS SHARD_PREFIX_1 … SHARD_PREFIX_N
"""
import os
import subprocess
import sys

plan, out, formats, shards = sys.argv[1], sys.argv[2], sys.argv[3].split(","), sys.argv[4:]
with open(plan) as f:
    before = [int(l.split("\t")[2]) for l in f.read().splitlines()[1:]]


def concatenate(paths, sink, offsets=None):
    """Header once, then the records; returns the number of records."""
    header_done, n = False, 0
    for i, path in enumerate(paths):
        with open(path) as f:
            in_header = True
            for line in f:
                is_header = in_header and (line.startswith("#") or line.startswith("chrom\t"))
                if is_header:
                    if not header_done:
                        sink.write(line)
                    continue
                in_header = False
                if offsets is not None:
                    c = line.split("\t")
                    c[5] = str(int(c[5]) + offsets[i])
                    line = "\t".join(c)
                sink.write(line)
                n += 1
        header_done = header_done or os.path.getsize(path) > 0
    return n


def done(tmp, final):
    os.replace(tmp, final)


# A shard's header lines of a TSV are its first line only; VCF headers are the '#' lines.
tsv_paths = lambda suffix: [f"{s}.{suffix}" for s in shards]
scored = 0
if "vcf" in formats:
    tmp = f"{out}.vcf.gz.tmp"
    with open(tmp, "wb") as gz:
        bgzip = subprocess.Popen(["bgzip", "-c"], stdin=subprocess.PIPE, stdout=gz, text=True)
        scored = concatenate(tsv_paths("vcf"), bgzip.stdin)
        bgzip.stdin.close()
        if bgzip.wait() != 0:
            sys.exit("bgzip failed")
    if scored:
        subprocess.run(["tabix", "-f", "-p", "vcf", tmp], check=True)
        done(f"{tmp}.tbi", f"{out}.vcf.gz.tbi")
        done(tmp, f"{out}.vcf.gz")
if "tsv" in formats:
    with open(f"{out}.tsv.tmp", "w") as f:
        scored = concatenate(tsv_paths("tsv"), f)
    if scored:
        done(f"{out}.tsv.tmp", f"{out}.tsv")
if not scored:
    for suffix in (".vcf.gz.tmp", ".vcf.gz.tmp.tbi", ".tsv.tmp"):
        if os.path.exists(out + suffix):
            os.remove(out + suffix)
    sys.exit(f"nothing could be scored in any of the {len(shards)} shards (see their not-scored files beside them)")
with open(f"{out}.not-scored.tsv.tmp", "w") as f:
    listed = concatenate(tsv_paths("not-scored.tsv"), f, before)
done(f"{out}.not-scored.tsv.tmp", f"{out}.not-scored.tsv")
print(f"merged {len(shards)} shards: {scored:,} scored lines, {listed:,} alleles not scored → {out}.*")
