/**
 * `npm run bench:cost -- DIR`: the inference cost of a model package against the shipped one
 * (models/default), on every path `tfbs score` and the editor take — per-window fp32, the chunk graph in
 * fp32 and in int8 — at 200 bp bins on the real 100 kb region (bench/fastpath.ts's measurement). A
 * candidate default model must stay within 1.5× on each (issue 14). The two models alternate round by
 * round in one process, so load from other work on a shared machine falls on both; read the ratios.
 * int8 opens without its held-out accuracy check here: this times the arithmetic; whether int8 is
 * allowed for a model is the engine's check's business (src/engine/int8Check.ts).
 *
 *   node out/bench/cost.js DIR [--rounds 4] [--threads 2] [--seconds 4] [--reference DIR]
 */
import * as os from 'os';
import * as path from 'path';
import { loadModelPackage } from '../src/core/modelPackage';
import { FastpathArm, measureFastpath } from './fastpath';

const root = path.join(__dirname, '..', '..');
/** Issue 14's rule for a new default model. */
const COST_LIMIT = 1.5;

const ARMS: FastpathArm[] = [
  { label: 'per window fp32', precision: 'fp32', chunks: false, batchSize: 64 },
  { label: 'chunk fp32', precision: 'fp32', chunks: true, batchSize: 64 },
  { label: 'chunk int8', precision: 'int8', chunks: true, batchSize: 64 },
];

function usage(message: string): never {
  process.stderr.write(`bench:cost: ${message}\nusage: node out/bench/cost.js DIR [--rounds 4] [--threads 2] [--seconds 4] [--reference DIR]\n`);
  process.exit(2);
}

async function main(argv: string[]): Promise<void> {
  let rounds = 4;
  let threads = Math.min(2, os.availableParallelism());
  let seconds = 4;
  let reference = path.join(root, 'models', 'default');
  let candidate: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const number = (): number => {
      const n = Number(argv[++i]);
      if (!(n > 0)) usage(`${argv[i - 1]} takes a positive number`);
      return n;
    };
    if (argv[i] === '--rounds') rounds = Math.round(number());
    else if (argv[i] === '--threads') threads = Math.round(number());
    else if (argv[i] === '--seconds') seconds = number();
    else if (argv[i] === '--reference') reference = path.resolve(argv[++i] ?? usage('--reference takes a model folder'));
    else if (argv[i].startsWith('--')) usage(`unknown option ${argv[i]}`);
    else if (candidate) usage('one model folder only');
    else candidate = path.resolve(argv[i]);
  }
  if (!candidate) usage('name the model folder to compare');
  const models = [
    { label: 'reference', dir: reference },
    { label: 'candidate', dir: candidate },
  ];
  for (const m of models) await loadModelPackage(m.dir); // a bad folder fails here, before any measuring
  console.log(`inference cost of ${candidate} against ${reference}: ${rounds} rounds, 200 bp bins, both strands, ${threads} threads`);
  console.log(`CPU: ${os.cpus()[0]?.model ?? '?'} × ${os.availableParallelism()}, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} (a shared machine: read the ratios)`);
  const figures = new Map<string, Map<string, number[]>>(models.map((m) => [m.label, new Map(ARMS.map((a) => [a.label, []]))]));
  const notices = new Set<string>();
  for (let round = 0; round < rounds; round++) {
    for (const model of round % 2 ? [...models].reverse() : models) {
      const [row] = await measureFastpath(model, ARMS, {
        threads,
        secondsPerArm: seconds / rounds,
        binSizes: [200],
        bins: 256,
        int8Check: false,
        onNotice: (m) => notices.add(`${model.label}: ${m}`),
        log: (line) => (round === 0 ? console.log(line) : undefined),
      });
      for (const [label, wps] of Object.entries(row.windowsPerSecond)) figures.get(model.label)!.get(label)!.push(wps);
    }
  }
  for (const n of notices) console.log(`notice: ${n}`);
  const sum = (v: number[]) => v.reduce((s, x) => s + x, 0);
  let over = 0;
  for (const arm of ARMS) {
    const ref = figures.get('reference')!.get(arm.label)!;
    const cand = figures.get('candidate')!.get(arm.label)!;
    if (!ref.length || !cand.length) {
      console.log(`${arm.label.padEnd(16)}: not measured (${!ref.length ? 'reference' : 'candidate'} has no such path)`);
      continue;
    }
    // windows/s summed over the rounds: the cost ratio is the reference's rate over the candidate's
    const ratio = sum(ref) / sum(cand);
    if (ratio > COST_LIMIT) over++;
    console.log(
      `${arm.label.padEnd(16)}: reference ${ref.map((v) => v.toFixed(0)).join('/')}, candidate ${cand.map((v) => v.toFixed(0)).join('/')} windows/s; ` +
        `cost ${ratio.toFixed(2)}× (limit ${COST_LIMIT}×: ${ratio <= COST_LIMIT ? 'within' : 'over'})`,
    );
  }
  console.log(over ? `over the ${COST_LIMIT}× limit on ${over} path${over === 1 ? '' : 's'}` : `within ${COST_LIMIT}× on every path measured`);
}

main(process.argv.slice(2)).catch((e) => {
  console.error(`bench:cost: ${(e as Error).message}`);
  process.exit(1);
});
