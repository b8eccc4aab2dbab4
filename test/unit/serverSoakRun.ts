/**
 * The language-server soak (`npm run soak` runs 1,000 operations; the unit suite a short one): random
 * edits, undos, opens, closes, scrolls, hovers and setting changes over real FASTA, sent to a real
 * server over LSP without waiting for it, as a user at speed would. Then: the server is alive, said
 * nothing unhandled, its RSS after warm-up grew by at most 10 %, and every open document's values
 * equal a from-scratch score of its final text under the final settings.
 */
import { readFileSync } from 'fs';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { parseFastaText } from '../../src/core/fasta';
import { VisibleRangesNotification } from '../../src/shared/protocol';
import { TfbsSettings } from '../../src/shared/settings';
import { repoRoot } from '../fixtures/danqModel';
import { ServerHarness, wrapFasta } from './serverHarness';
import { referenceScores, sameValues } from './serverReference';

export interface SoakOptions {
  modelDir: string;
  operations: number;
  seed?: number;
  /**
   * Operations run before the counted ones, after which RSS is the baseline (default: half as many).
   * Until the cache is full and ONNX Runtime has seen every batch size, RSS grows by design: measured
   * with the tiny network, it levels off after about 600 operations (≈ 6,000 windows).
   */
  warmupOperations?: number;
  log?: (line: string) => void;
}

export interface SoakReport {
  operations: number;
  warmupOperations: number;
  counts: Record<string, number>;
  wallMs: number;
  rssWarmBytes: number;
  rssEndBytes: number;
  rssGrowth: number;
  peakRssBytes: number;
  /** Server RSS every tenth of the run (after the server caught up), MB. */
  rssSamplesMB: number[];
  windowsScored: number;
  hoversAnswered: number;
  documentsChecked: number;
  recordsChecked: number;
  binsChecked: number;
  /** Problems found; empty when the soak passed. */
  failures: string[];
}

function random(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

interface SoakDoc {
  uri: string;
  original: string;
  lines: string[];
  open: boolean;
  /** Edits that can be undone, last first out: where, what was removed and what was inserted. */
  undo: Array<{ line: number; column: number; removed: string; inserted: string }>;
}

/** Real FASTA: a stretch of human chr1, bedtools-extracted CTCF peaks (500 records), two records at 70 columns. */
function soakTexts(): string[] {
  const root = repoRoot();
  const region = readFileSync(path.join(root, 'data', 'genome', 'human_chr1_100kb_region.fa'), 'utf8').split('\n').slice(1).join('').trim();
  const peaks = readFileSync(path.join(root, 'data', 'genome', 'hg19_GM12878_CTCF_top500_w200.fa'), 'utf8').split('>').slice(1, 61).map((r) => '>' + r).join('');
  return [
    wrapFasta('chr1:1000001-1030000', region.slice(0, 30_000), 60),
    peaks,
    wrapFasta('part1', region.slice(30_000, 42_000), 70) + wrapFasta('part2 second record', region.slice(42_000, 50_000), 70),
  ];
}

export async function runSoak(opts: SoakOptions): Promise<SoakReport> {
  const rnd = random(opts.seed ?? 2026);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const failures: string[] = [];
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown): void => void unhandled.push(e);
  process.on('unhandledRejection', onUnhandled);
  // A small cache fills during warm-up: growth after it is then a leak, not the cache doing its job.
  const h = await ServerHarness.start({ modelPath: opts.modelDir, threads: 1, cacheSizeMB: 16 });
  const counts: Record<string, number> = {};
  const count = (k: string): void => void (counts[k] = (counts[k] ?? 0) + 1);
  const hovers: Array<Promise<unknown>> = [];
  let hoversAnswered = 0;
  const t0 = performance.now();
  try {
    const status = await h.modelReady();
    if (status.state !== 'ready') throw new Error(`model did not load: ${status.message}`);
    const docs: SoakDoc[] = soakTexts().map((text, i) => ({ uri: `file:///soak/doc${i}.fa`, original: text, lines: text.split('\n'), open: false, undo: [] }));
    for (const d of docs) {
      await h.open(d.uri, d.original);
      d.open = true;
    }
    const warmAt = opts.warmupOperations ?? Math.floor(opts.operations / 2);
    const total = warmAt + opts.operations;
    let rssWarm = 0;
    const rssSamplesMB: number[] = [];
    const tenth = Math.max(1, Math.floor(total / 10));
    const sequenceLines = (d: SoakDoc): number[] => d.lines.map((l, i) => (l.length && !l.startsWith('>') ? i : -1)).filter((i) => i >= 0);

    for (let op = 0; op < total; op++) {
      if (op === warmAt || op % tenth === 0) {
        for (const d of docs) if (d.open) await h.idle(d.uri);
        const rss = (await h.stats()).rssBytes;
        if (op === warmAt) rssWarm = rss;
        if (op % tenth === 0) rssSamplesMB.push(Math.round(rss / 1048576));
      }
      const openDocs = docs.filter((d) => d.open);
      const r = rnd();
      if (openDocs.length === 0 || (r < 0.05 && openDocs.length < docs.length)) {
        // Open a closed document: its text as it was left, or afresh.
        const d = pick(docs.filter((x) => !x.open));
        if (rnd() < 0.5) {
          d.lines = d.original.split('\n');
          d.undo = [];
        }
        await h.open(d.uri, d.lines.join('\n'));
        d.open = true;
        count('open');
      } else if (r < 0.09) {
        const d = pick(openDocs);
        await h.close(d.uri);
        d.open = false;
        count('close');
      } else if (r < 0.14) {
        const patch: Partial<TfbsSettings> = pick([
          { reverseComplement: !h.settings.reverseComplement },
          { binSize: pick([0, 100, 200] as const) },
          { focusedExperiments: pick([[], ['3'], ['1', '5', '9']]) },
        ]);
        await h.configure(patch);
        count('setting');
      } else if (r < 0.2) {
        const d = pick(openDocs);
        const first = Math.floor(rnd() * d.lines.length);
        await h.conn.sendNotification(VisibleRangesNotification, {
          editors: [{ uri: d.uri, active: true, ranges: [{ start: { line: first, character: 0 }, end: { line: first + 40, character: 0 } }] }],
        });
        count('scroll');
      } else if (r < 0.25) {
        const d = pick(openDocs);
        const line = Math.floor(rnd() * d.lines.length);
        hovers.push(h.hover(d.uri, line, Math.floor(rnd() * 60)).then(() => void hoversAnswered++, (e) => failures.push(`hover failed: ${(e as Error)?.message ?? e}`)));
        count('hover');
      } else if (r < 0.4 && openDocs.some((d) => d.undo.length)) {
        const d = pick(openDocs.filter((x) => x.undo.length));
        const e = d.undo.pop()!;
        const text = d.lines[e.line];
        await h.edit(d.uri, e.line, e.column, e.column + e.inserted.length, e.removed);
        d.lines[e.line] = text.slice(0, e.column) + e.removed + text.slice(e.column + e.inserted.length);
        count('undo');
      } else {
        const d = pick(openDocs);
        const candidates = sequenceLines(d);
        if (!candidates.length) continue;
        const line = pick(candidates);
        const text = d.lines[line];
        const column = Math.floor(rnd() * (text.length + 1));
        const kind = rnd();
        const bases = (n: number): string => Array.from({ length: n }, () => pick(['A', 'C', 'G', 'T', 'a', 'N'])).join('');
        let removed = '';
        let inserted = '';
        if (kind < 0.4 && column < text.length) {
          removed = text[column];
          inserted = bases(1);
        } else if (kind < 0.7) {
          inserted = bases(1 + Math.floor(rnd() * (rnd() < 0.2 ? 400 : 10)));
        } else {
          removed = text.slice(column, column + 1 + Math.floor(rnd() * 30));
        }
        await h.edit(d.uri, line, column, column + removed.length, inserted);
        d.lines[line] = text.slice(0, column) + inserted + text.slice(column + removed.length);
        d.undo.push({ line, column, removed, inserted });
        count('edit');
      }
      // Now and then, let the server catch up (the rest of the time it is always behind).
      if (rnd() < 0.03) {
        const d = pick(docs.filter((x) => x.open).concat(docs[0]));
        if (d.open) await h.idle(d.uri);
        count('wait');
      }
      if (h.child.exitCode !== null || h.child.signalCode !== null) {
        failures.push(`the server exited (code ${h.child.exitCode}, signal ${h.child.signalCode}) after operation ${op}`);
        break;
      }
    }

    await Promise.all(hovers);
    let documentsChecked = 0;
    let recordsChecked = 0;
    let binsChecked = 0;
    const settings = h.settings;
    const focus = settings.focusedExperiments.length ? settings.focusedExperiments.map(Number) : undefined;
    const binSize = settings.binSize || 200;
    for (const d of docs) {
      if (!d.open || failures.length) continue;
      const idle = await h.idle(d.uri);
      if (idle.scored !== idle.total) failures.push(`${d.uri}: idle with ${idle.scored} of ${idle.total} bins scored`);
      const parsed = parseFastaText(d.lines.join('\n'));
      documentsChecked++;
      for (const record of parsed.records) {
        if (!record.scorable) continue;
        const sequence = codesToText(record.codes);
        const ref = await referenceScores(opts.modelDir, sequence, { reverseComplement: settings.reverseComplement, binSize, focus });
        const problem = sameValues(h.values(d.uri, record.index), ref.colour, `${d.uri} record ${record.index + 1} (${record.name})`);
        if (problem) failures.push(problem);
        recordsChecked++;
        binsChecked += ref.max.length;
      }
    }
    const stats = await h.stats();
    if (!rssWarm) rssWarm = stats.rssBytes;
    const growth = stats.rssBytes / rssWarm - 1;
    if (growth > 0.1) failures.push(`server RSS grew ${(growth * 100).toFixed(1)} % after warm-up (${mb(rssWarm)} → ${mb(stats.rssBytes)})`);
    if (/unhandled|uncaught/i.test(h.stderr)) failures.push(`the server reported: ${h.stderr.slice(0, 500)}`);
    for (const e of unhandled) failures.push(`unhandled rejection in the client: ${(e as Error)?.message ?? e}`);
    if (h.child.exitCode !== null || h.child.signalCode !== null) failures.push('the server is not running at the end');
    return {
      operations: opts.operations,
      warmupOperations: warmAt,
      counts,
      wallMs: performance.now() - t0,
      rssWarmBytes: rssWarm,
      rssEndBytes: stats.rssBytes,
      rssGrowth: growth,
      peakRssBytes: stats.peakRssBytes,
      rssSamplesMB,
      windowsScored: stats.windowsScored,
      hoversAnswered,
      documentsChecked,
      recordsChecked,
      binsChecked,
      failures,
    };
  } finally {
    process.off('unhandledRejection', onUnhandled);
    await h.stop();
  }
}

/** Codes back to letters (N for 4): the reference scorer parses text. */
function codesToText(codes: Uint8Array): string {
  const letters = 'AGCTN';
  let s = '';
  for (let i = 0; i < codes.length; i += 8192) s += Array.from(codes.subarray(i, i + 8192), (c) => letters[c] ?? 'N').join('');
  return s;
}

export function mb(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MB`;
}

export function formatSoak(r: SoakReport): string {
  const ops = Object.entries(r.counts).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k} ${v}`).join(', ');
  return [
    `soak: ${r.operations} operations after ${r.warmupOperations} of warm-up (together: ${ops}) in ${(r.wallMs / 1000).toFixed(1)} s`,
    `  server RSS after warm-up ${mb(r.rssWarmBytes)}, at the end ${mb(r.rssEndBytes)} (${r.rssGrowth >= 0 ? '+' : ''}${(r.rssGrowth * 100).toFixed(1)} %), peak ${mb(r.peakRssBytes)}`,
    `  RSS every ${Math.max(1, Math.floor((r.operations + r.warmupOperations) / 10))} operations: ${r.rssSamplesMB.join(', ')} MB`,
    `  ${r.windowsScored.toLocaleString('en')} windows scored, ${r.hoversAnswered} hovers answered`,
    `  final values checked against a fresh score: ${r.documentsChecked} documents, ${r.recordsChecked} records, ${r.binsChecked.toLocaleString('en')} bins`,
    r.failures.length ? `  FAILED:\n    ${r.failures.join('\n    ')}` : '  no crash, no unhandled rejection, every value equal',
  ].join('\n');
}
