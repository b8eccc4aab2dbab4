/**
 * `node out/bench/variantShardRss.js [--variants 100000,1000000] [--model DIR] [--targets 0,5,17] [--rc]`:
 * peak RSS of one shard job of the variant workflow (workflow/variants.smk) against the shard's size.
 * For each size it generates that many SNVs on the shipped 100 kb human region (about n/99,000 per
 * position, sorted), bgzips and indexes them as the workflow does, and runs the shard job's two steps
 * as the workflow runs them: `tabix -h -R` into the shard's plain VCF, then `tfbs variants` on it
 * (measured by GNU time: peak RSS and seconds). Forward strand only unless --rc (memory does not
 * depend on it; time halves), one inference thread. The tiny test model by default: a shard's memory
 * is the streaming pipeline's plus the model's, and the model's does not grow with the shard.
 */
import { spawnSync } from 'child_process';
import { createWriteStream, promises as fs, readFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DANQ_TINY, repoRoot, writeDanqModelPackage } from '../test/fixtures/danqModel';

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

function must(cmd: string, args: string[], opts: { cwd?: string; stdout?: number } = {}): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 26, cwd: opts.cwd, stdio: ['ignore', opts.stdout ?? 'pipe', 'pipe'] });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status}): ${r.stderr}`);
  return r.stderr ?? '';
}

async function writeSnvs(file: string, seq: string, n: number): Promise<void> {
  const out = createWriteStream(file);
  const write = (s: string): Promise<void> => new Promise((resolve) => (out.write(s) ? resolve() : out.once('drain', resolve)));
  await write('##fileformat=VCFv4.2\n##contig=<ID=chr1,length=100000>\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n');
  const first = 501;
  const last = seq.length - 500;
  const perPosition = Math.ceil(n / (last - first + 1));
  let i = 0;
  let text = '';
  for (let pos = first; pos <= last && i < n; pos++) {
    const ref = seq[pos - 1];
    const alts = 'ACGT'.replace(ref, '');
    for (let k = 0; k < perPosition && i < n; k++, i++) text += `chr1\t${pos}\tv${i}\t${ref}\t${alts[k % 3]}\t.\t.\t.\n`;
    if (text.length > 1 << 20) {
      await write(text);
      text = '';
    }
  }
  await write(text);
  await new Promise<void>((resolve) => out.end(resolve));
}

async function main(): Promise<void> {
  const sizes = option('variants', '100000,1000000').split(',').map(Number);
  const targets = option('targets', '0,5,17');
  const rc = process.argv.includes('--rc');
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-variant-rss-'));
  const fasta = path.join(work, 'region.fa');
  await fs.copyFile(path.join(repoRoot(), 'data', 'genome', 'human_chr1_100kb_region.fa'), fasta);
  const seq = readFileSync(fasta, 'utf8').split('\n')[1];
  const tfbs = path.join(repoRoot(), 'bin', 'tfbs.js');
  let model = option('model', '');
  if (!model) {
    model = path.join(work, 'model');
    await writeDanqModelPackage(model, DANQ_TINY, 11);
  }
  must(process.execPath, [tfbs, 'index', fasta]);
  console.log(`variant shard memory: SNVs on the 100 kb region, model ${option('model', 'tiny test model')}, targets ${targets}, ${rc ? 'both strands' : 'forward strand'}, 1 thread; ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'})`);
  console.log('| variants in the shard | tabix -R (s) | tfbs variants (s) | windows/s | peak RSS |');
  console.log('|---|---|---|---|---|');
  try {
    for (const n of sizes) {
      const vcf = path.join(work, `calls-${n}.vcf`);
      await writeSnvs(vcf, seq, n);
      must('bgzip', ['-f', vcf]);
      must('tabix', ['-p', 'vcf', `${vcf}.gz`]);
      const bed = path.join(work, 'shard.bed');
      await fs.writeFile(bed, `chr1\t0\t100000\n`);
      const shard = path.join(work, 'shard.input.vcf');
      let started = Date.now();
      const handle = await fs.open(shard, 'w');
      must('tabix', ['-h', '-R', bed, `${vcf}.gz`], { stdout: handle.fd });
      await handle.close();
      const extract = (Date.now() - started) / 1000;
      started = Date.now();
      const log = must('/usr/bin/time', ['-f', 'maxrss_kb=%M', process.execPath, tfbs, 'variants', '--vcf', shard, '--fasta', fasta, '--model', model,
        '--targets', targets, '--threads', '1', ...(rc ? [] : ['--no-rc']), '--format', 'vcf', '-o', path.join(work, 'shard.vcf')]);
      const seconds = (Date.now() - started) / 1000;
      const kb = Number(/maxrss_kb=(\d+)/.exec(log)?.[1]);
      const windows = Number(/\(([\d,]+) windows/.exec(log)?.[1]?.replace(/,/g, ''));
      console.log(`| ${n.toLocaleString('en')} | ${extract.toFixed(1)} | ${seconds.toFixed(1)} | ${Math.round(windows / seconds)} | ${Math.round(kb / 1024)} MB |`);
      await fs.rm(`${vcf}.gz`);
    }
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
