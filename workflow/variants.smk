# TFBS Lens: score a VCF's variants as N shards (local cores, SLURM jobs through workflow/profiles/slurm,
# or any Snakemake executor) and merge them into what one `tfbs variants` run writes: OUT.vcf.gz (BGZF)
# with OUT.vcf.gz.tbi, OUT.tsv and OUT.not-scored.tsv.
#
#   snakemake -s workflow/variants.smk --profile workflow/profiles/slurm --config vcf=calls.vcf.gz fasta=hg38.fa shards=32
#
# Before any job: the FASTA gets its .fai, a VCF without a tabix index is bgzipped and indexed into the
# shard folder (it must be sorted), and the plan refuses contigs the FASTA lacks and cuts the VCF into
# parts of about equal numbers of records, never inside a record's REF (scripts/plan_variant_shards.py).

import os

configfile: os.path.join(workflow.basedir, "variants.yaml")

FASTA = config["fasta"]
VCF = config["vcf"]
WORK = config["workdir"]
TFBS = config["tfbs"]
N = int(config["shards"])
OUT = config["out"]
FORMATS = [f.strip() for f in str(config["formats"]).split(",") if f.strip()]
if not FORMATS or any(f not in ("vcf", "tsv") for f in FORMATS):
    raise ValueError(f"formats: {config['formats']}: vcf, tsv or both (vcf,tsv)")
FORMATS_ARG = ",".join(FORMATS)
SCRIPTS = os.path.join(workflow.basedir, "scripts")

include: "rules/common.smk"

scattergather:
    shard=N

# A bgzipped VCF with its index is read in place; anything else is copied into WORK, bgzipped, indexed.
INDEXED = VCF.endswith(".gz") and (os.path.exists(VCF + ".tbi") or os.path.exists(VCF + ".csi"))
VCF_GZ = VCF if INDEXED else os.path.join(WORK, "input.vcf.gz")
VCF_INDEX = (VCF + ".tbi" if os.path.exists(VCF + ".tbi") else VCF + ".csi") if INDEXED else VCF_GZ + ".tbi"
MERGED = ([OUT + ".vcf.gz", OUT + ".vcf.gz.tbi"] if "vcf" in FORMATS else []) + ([OUT + ".tsv"] if "tsv" in FORMATS else []) + [OUT + ".not-scored.tsv"]

localrules:
    all,
    prepare_vcf,
    plan_variant_shards,


rule all:
    input:
        MERGED,


if not INDEXED:

    rule prepare_vcf:
        input:
            VCF,
        output:
            gz=VCF_GZ,
            tbi=VCF_GZ + ".tbi",
        shell:
            "gzip -cdf {input} | bgzip -c > {output.gz} && "
            "{{ tabix -p vcf {output.gz} || {{ echo '{input}: tabix cannot index it; it must be sorted by contig and position (bcftools sort -Oz -o sorted.vcf.gz {input})' >&2; exit 1; }}; }}"


rule plan_variant_shards:
    input:
        vcf=VCF_GZ,
        index=VCF_INDEX,
        fai=FASTA + ".fai",
    output:
        plan=os.path.join(WORK, "plan.tsv"),
        beds=scatter.shard(os.path.join(WORK, "{scatteritem}.bed")),
    shell:
        "python3 {SCRIPTS}/plan_variant_shards.py {input.vcf} {input.fai} {output.plan} {output.beds}"


rule score_variant_shard:
    input:
        bed=os.path.join(WORK, "{scatteritem}.bed"),
        vcf=VCF_GZ,
        index=VCF_INDEX,
        fasta=FASTA,
        fai=FASTA + ".fai",
    output:
        [os.path.join(WORK, "{scatteritem}." + f) for f in FORMATS],
        os.path.join(WORK, "{scatteritem}.not-scored.tsv"),
    threads: int(config["threads"])
    params:
        prefix=lambda w: os.path.join(WORK, w.scatteritem),
        opts=model_options(config),
    log:
        os.path.join(WORK, "{scatteritem}.log"),
    benchmark:
        os.path.join(WORK, "{scatteritem}.benchmark.tsv")
    shell:
        "python3 {SCRIPTS}/score_variant_shard.py {input.bed} {input.vcf} {input.fasta} {threads} {TFBS:q} {params.opts:q} {params.prefix} {FORMATS} 2> {log}"


rule merge_variants:
    input:
        plan=os.path.join(WORK, "plan.tsv"),
        shards=[gather.shard(os.path.join(WORK, "{scatteritem}." + f)) for f in FORMATS + ["not-scored.tsv"]],
    output:
        MERGED,
    params:
        prefixes=[os.path.join(WORK, f"{k}-of-{N}") for k in range(1, N + 1)],
    log:
        os.path.join(WORK, "merge.log"),
    shell:
        "python3 {SCRIPTS}/merge_variant_shards.py {input.plan} {OUT} {FORMATS_ARG} {params.prefixes} 2> {log}"


onerror:
    report_unfinished_shards(WORK, [(f"{k}-of-{N}", os.path.join(WORK, f"{k}-of-{N}.not-scored.tsv")) for k in range(1, N + 1)])
