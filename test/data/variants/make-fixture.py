#!/usr/bin/env python3
"""Writes calls.raw.vcf from the real 100 kb region (data/genome/human_chr1_100kb_region.fa) and
normalises it with Debian's `bcftools norm -f REF -c w` into calls.norm.vcf (indels left-aligned,
REF checked; the deliberate REF mismatch is kept with a warning). Run from the repository root:
  /usr/bin/python3 test/data/variants/make-fixture.py
"""
import os, re, shutil, subprocess, tempfile

here = os.path.dirname(os.path.abspath(__file__))
fa = os.path.join(here, '..', '..', '..', 'data', 'genome', 'human_chr1_100kb_region.fa')
seq = ''.join(l.strip() for l in open(fa) if not l.startswith('>'))
U = seq.upper()
other = lambda b: [x for x in 'ACGT' if x != b.upper()]

rows = []
def add(pos, id_, ref, alt):
    rows.append((pos, id_, ref, alt))

add(50000, 'snv_50000', U[49999], other(U[49999])[0])
add(20001, 'multi_20001', U[20000], ','.join(other(U[20000])[:2]))
add(30001, 'refmismatch_30001', other(U[30000])[0], other(U[30000])[1])
add(60001, 'del_60001', U[60000:60004], U[60000])
add(70001, 'ins_70001', U[70000], U[70000] + 'ACGT')
add(100, 'oob_left_100', U[99], other(U[99])[0])
add(99950, 'oob_right_99950', U[99949], other(U[99949])[0])
# A one-base deletion written at the right end of a homopolymer run: bcftools norm left-aligns it.
m = next(m for m in re.finditer(r'A{6,}', U) if 2000 < m.start() < 98000)
end = m.end()  # 0-based end of the run
add(end - 1, 'homopolymer_del', U[end - 2:end], U[end - 2])
add(80001, 'mnv_80001', U[80000:80002], ''.join(other(U[80000])[0] + other(U[80001])[0]))
rows.sort()

header = ['##fileformat=VCFv4.2', '##contig=<ID=chr1,length=100000>',
          '##INFO=<ID=DP,Number=1,Type=Integer,Description="Depth">',
          '#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO']
raw = os.path.join(here, 'calls.raw.vcf')
with open(raw, 'w') as f:
    f.write('\n'.join(header) + '\n')
    for pos, id_, ref, alt in rows:
        f.write(f'chr1\t{pos}\t{id_}\t{ref}\t{alt}\t50\tPASS\tDP=10\n')

tmp = tempfile.mkdtemp()
try:
    ref = os.path.join(tmp, 'ref.fa')
    shutil.copy(fa, ref)
    subprocess.run(['samtools', 'faidx', ref], check=True)
    subprocess.run(['bcftools', 'norm', '-f', ref, '-c', 'w', '--no-version', '-o', os.path.join(here, 'calls.norm.vcf'), raw], check=True)
finally:
    shutil.rmtree(tmp)
