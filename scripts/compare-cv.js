#!/usr/bin/env node
/**
 * Compares two cross-validations (scripts/cross-validate.js reports), run by run:
 *
 *   node scripts/compare-cv.js BASELINE CANDIDATE [--json FILE]
 *
 * BASELINE and CANDIDATE are cross-validation.json files or the --work folders holding them; either
 * may be partial (`complete: false`: a cross-validation still under way). Runs are paired by fold and
 * seed, so a fold that is hard for both counts against neither. Printed: every pair's held-out-fold
 * ROC AUC and CTCF-peak ROC AUC with the difference, then for each yardstick the mean difference, its
 * range over pairs, and the seed spread (the largest difference between two seeds of one recipe on
 * one fold). Issue 14's rule, as it reads: the candidate is better when every pair favours it and the
 * mean difference exceeds the seed spread, worse in the mirror case, else not distinguishable.
 */
'use strict';
const fs = require('fs');
const path = require('path');

function fail(message) {
  process.stderr.write(`compare-cv: ${message}\n`);
  process.exit(1);
}

function readReport(arg) {
  const file = fs.existsSync(arg) && fs.statSync(arg).isDirectory() ? path.join(arg, 'cross-validation.json') : arg;
  let report;
  try {
    report = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    fail(`${file}: ${e.code === 'ENOENT' ? 'no such file (has a run of scripts/cross-validate.js finished there?)' : e.message}`);
  }
  if (report.format !== 'tfbs-lens-cross-validation' || !Array.isArray(report.runs)) fail(`${file}: not a scripts/cross-validate.js report`);
  return { file, report };
}

const fmt = (v) => (v === null || v === undefined ? '–' : v.toFixed(4));
const signed = (v) => (v === null || v === undefined ? '–' : `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(4)}`);

/** Largest |seed a − seed b| on one fold, over folds and both recipes. */
function seedSpread(reports, pick) {
  let spread = null;
  for (const r of reports) {
    const byFold = new Map();
    for (const run of r.runs) {
      const v = pick(run);
      if (v === null || v === undefined) continue;
      (byFold.get(run.fold) ?? byFold.set(run.fold, []).get(run.fold)).push(v);
    }
    for (const vs of byFold.values()) if (vs.length > 1) spread = Math.max(spread ?? 0, Math.max(...vs) - Math.min(...vs));
  }
  return spread;
}

function compare(base, cand, pick) {
  const deltas = [];
  for (const b of base.runs) {
    const c = cand.runs.find((r) => r.fold === b.fold && r.seed === b.seed);
    const vb = pick(b);
    const vc = c && pick(c);
    if (vb === null || vb === undefined || vc === null || vc === undefined) continue;
    deltas.push(vc - vb);
  }
  if (!deltas.length) return { pairs: 0, meanDelta: null, minDelta: null, maxDelta: null, seedSpread: null, verdict: 'no runs in both' };
  const meanDelta = deltas.reduce((a, v) => a + v, 0) / deltas.length;
  const minDelta = Math.min(...deltas);
  const maxDelta = Math.max(...deltas);
  const spread = seedSpread([base, cand], pick);
  let verdict = 'not distinguishable';
  if (spread === null) verdict = 'no seed spread yet (one seed a fold)';
  else if (minDelta > 0 && meanDelta > spread) verdict = 'candidate better';
  else if (maxDelta < 0 && -meanDelta > spread) verdict = 'candidate worse';
  return { pairs: deltas.length, meanDelta, minDelta, maxDelta, seedSpread: spread, verdict };
}

function main(argv) {
  let jsonOut;
  const files = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--json') jsonOut = argv[++i] ?? fail('--json needs a file');
    else if (argv[i].startsWith('--')) fail(`unknown option ${argv[i]}`);
    else files.push(argv[i]);
  }
  if (files.length !== 2) fail('usage: node scripts/compare-cv.js BASELINE CANDIDATE [--json FILE] (cross-validation.json files or their --work folders)');
  const [a, b] = files.map(readReport);
  const base = a.report;
  const cand = b.report;
  if (base.folds !== cand.folds || base.samples !== cand.samples) fail(`the two were cut differently (${base.folds} folds of ${base.samples} samples against ${cand.folds} of ${cand.samples}): runs cannot be paired`);
  const status = (r) => `${r.runs.length}${r.runsExpected ? ` of ${r.runsExpected}` : ''} runs${r.complete === false ? ', still under way' : ''}`;
  const heldOut = compare(base, cand, (r) => r.test?.meanRocAuc);
  const peaks = compare(base, cand, (r) => r.ctcfPeaks?.meanRocAuc);
  const lines = [
    `baseline:  ${a.file} (tfbs train ${base.trainArgs.join(' ')}; ${status(base)})`,
    `candidate: ${b.file} (tfbs train ${cand.trainArgs.join(' ')}; ${status(cand)})`,
    '',
    '| fold | seed | held-out fold ROC AUC, baseline | candidate | Δ | CTCF peaks ROC AUC, baseline | candidate | Δ |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of base.runs) {
    const c = cand.runs.find((x) => x.fold === r.fold && x.seed === r.seed);
    if (!c) continue;
    const d = (p) => (p(r) === undefined || p(c) === undefined ? undefined : p(c) - p(r));
    const held = (x) => x.test?.meanRocAuc;
    const peak = (x) => x.ctcfPeaks?.meanRocAuc;
    lines.push(`| ${r.fold} | ${r.seed} | ${fmt(held(r))} | ${fmt(held(c))} | ${signed(d(held))} | ${fmt(peak(r))} | ${fmt(peak(c))} | ${signed(d(peak))} |`);
  }
  const partial = base.complete === false || cand.complete === false ? ' (partial: not every run is in)' : '';
  for (const [name, s] of [['held-out fold ROC AUC', heldOut], ['CTCF peaks ROC AUC', peaks]]) {
    lines.push('', `${name}: ${s.pairs} pairs; mean Δ ${signed(s.meanDelta)} (range ${signed(s.minDelta)} to ${signed(s.maxDelta)}); seed spread ${fmt(s.seedSpread)}; ${s.verdict}${partial}`);
  }
  process.stdout.write(lines.join('\n') + '\n');
  if (jsonOut) fs.writeFileSync(jsonOut, JSON.stringify({ baseline: a.file, candidate: b.file, complete: !partial, heldOutFold: heldOut, ctcfPeaks: peaks }, null, 2) + '\n');
}

main(process.argv.slice(2));
