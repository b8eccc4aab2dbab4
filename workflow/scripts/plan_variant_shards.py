#!/usr/bin/env python3
"""
Plans the variant shards of workflow/variants.smk, on the submitting machine before any job exists:

1. refuses a VCF whose records lie on contigs the FASTA lacks (chr1/1 and chrM/MT reconciled, as
   tfbs variants does), naming them — a job per shard would only have listed them as not scored;
2. cuts the VCF into N parts of about equal numbers of records, contiguous in file order, at positions
   no record spans (its REF, or INFO's END: tabix's span; so no record falls in two shards), and writes each part as a BED file
   (0-based; contig names are never parsed, so a name holding ':' is fine) for `tabix -R`;
3. writes plan.tsv: per shard, its records and how many come before it (the merge uses that to give
   each not-scored allele its line in the input VCF).

usage: plan_variant_shards.py VCF.gz FASTA.fai PLAN.tsv SHARD_1.bed … SHARD_N.bed
"""
import re
import subprocess
import sys

MITO = ("chrM", "MT", "M", "chrMT")


def canonical(name):
    if name in MITO:
        return "M"
    return name[3:] if name.startswith("chr") else name


def fail(message):
    sys.stderr.write(f"TFBS Lens variants workflow: {message}\nNo job was submitted.\n")
    sys.exit(1)


def read_fai(path):
    lengths = {}
    with open(path) as f:
        for line in f:
            fields = line.rstrip("\n").split("\t")
            if len(fields) >= 2:
                lengths[fields[0]] = int(fields[1])
    return lengths


END = re.compile(r"(?:^|;)END=(\d+)")


def records(vcf):
    """
    (chrom, 0-based start, 0-based end) per record, in file order, streamed. The end is the REF's, or
    INFO's END when larger (a symbolic <DEL>): tabix finds a record by that span, so no cut may cross it.
    """
    p = subprocess.Popen(["bgzip", "-dc", vcf], stdout=subprocess.PIPE, text=True, bufsize=1 << 20)
    for line in p.stdout:
        if line.startswith("#") or not line.strip():
            continue
        f = line.split("\t", 8)
        start = int(f[1]) - 1
        end = start + len(f[3])
        if len(f) > 7 and "END=" in f[7]:
            m = END.search(f[7])
            end = max(end, int(m.group(1))) if m else end
        yield f[0], start, end
    if p.wait() != 0:
        fail(f"{vcf}: bgzip could not read it to the end")


def main():
    vcf, fai, plan, beds = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    n = len(beds)
    fasta_lengths = read_fai(fai)
    by_canonical = {canonical(c): c for c in fasta_lengths}
    listed = subprocess.run(["tabix", "-l", vcf], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if listed.returncode != 0:
        fail(f"{vcf}: tabix cannot list its contigs: {listed.stderr.strip()}")
    contigs = [c for c in listed.stdout.split("\n") if c]
    fasta_name = {c: c if c in fasta_lengths else by_canonical.get(canonical(c)) for c in contigs}
    missing = [c for c in contigs if fasta_name[c] is None]
    if missing:
        counts = []
        for c in missing[:10]:
            q = subprocess.run(["tabix", vcf, c], stdout=subprocess.PIPE, text=True)
            counts.append(f"{c} ({q.stdout.count(chr(10)):,} records)")
        more = f" and {len(missing) - 10} more" if len(missing) > 10 else ""
        known = ", ".join(list(fasta_lengths)[:5]) + (", …" if len(fasta_lengths) > 5 else "")
        fail(
            f"{vcf}: contigs missing from the FASTA ({fai[:-4]}: {known}): {', '.join(counts)}{more}. "
            f"Use the genome the calls were made on, or leave these contigs out (bcftools view -t ^{','.join(missing[:3])} …)."
        )

    total = sum(1 for _ in records(vcf))
    # Shard k ends once its cumulative count reaches target(k), at the first record that can start a new part.
    target = lambda k: -(-(k + 1) * total // n)
    segments = [[] for _ in range(n)]
    counts = [0] * n
    k, seen, contig, reach = 0, 0, None, 0

    def contig_end(c, reach):
        return max(fasta_lengths[fasta_name[c]], reach)

    for chrom, start, end in records(vcf):
        if chrom != contig:
            if contig is not None:
                segments[k][-1][2] = contig_end(contig, reach)
                if seen >= target(k) and k < n - 1:
                    k += 1
            segments[k].append([chrom, 0, None])
            contig, reach = chrom, 0
        elif seen >= target(k) and k < n - 1 and start >= reach:
            segments[k][-1][2] = start
            k += 1
            segments[k].append([chrom, start, None])
        seen += 1
        counts[k] += 1
        reach = max(reach, end)
    if contig is not None:
        segments[k][-1][2] = contig_end(contig, reach)

    for bed, parts in zip(beds, segments):
        with open(bed, "w") as f:
            f.writelines(f"{c}\t{s}\t{e}\n" for c, s, e in parts)
    with open(plan, "w") as f:
        f.write("shard\trecords\trecords_before\tregions\n")
        before = 0
        for i, (c, parts) in enumerate(zip(counts, segments)):
            f.write(f"{i + 1}/{n}\t{c}\t{before}\t{','.join(f'{p[0]}:{p[1] + 1}-{p[2]}' for p in parts)}\n")
            before += c
    print(f"{vcf}: {total:,} records in {n} shards of {', '.join(f'{c:,}' for c in counts)}")


main()
