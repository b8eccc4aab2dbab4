/**
 * `tfbs score --igv-session`'s genome check (prepareIgvGenome) takes the record names and lengths from
 * the FASTA's .fai when one is there and no older than the file, instead of reading the whole genome a
 * second time; without one (or with a stale one) it indexes the FASTA as before, and the session it
 * writes is the same either way.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildFai, formatFai } from '../../src/core/fai';
import { prepareIgvGenome, writeIgvSession } from '../../src/tracks/igvSession';
import { randomDna } from '../fixtures/sequences';

let work: string;

before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'tfbs-igv-fai-'));
});
after(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

/** Sets a file's modification time `seconds` from now. */
async function touch(file: string, seconds: number): Promise<void> {
  const t = new Date(Date.now() + seconds * 1000);
  await fs.utimes(file, t, t);
}

function wrap(seq: string, width = 60): string {
  return seq.match(new RegExp(`.{1,${width}}`, 'g'))!.join('\n');
}

test('prepareIgvGenome: with a .fai the sequence past the headers is not read (a FASTA that indexing would refuse is accepted on its index)', async () => {
  // A space inside the sequence makes buildFai refuse the file: only a pass over the sequence finds it.
  const fasta = path.join(work, 'unscannable.fa');
  await fs.writeFile(fasta, `>seq1\n${'ACGT'.repeat(15)}\nACGT ACGT\n>seq2\n${'T'.repeat(60)}\n`);
  await assert.rejects(buildFai(fasta), /space or tab inside its sequence/);
  const entries = [
    { name: 'seq1', length: 69, offset: 6, lineBases: 60, lineBytes: 61 },
    { name: 'seq2', length: 60, offset: 83, lineBases: 60, lineBytes: 61 },
  ];
  await fs.writeFile(`${fasta}.fai`, formatFai(entries));
  await touch(`${fasta}.fai`, 10);
  assert.deepEqual(await prepareIgvGenome(fasta, undefined), { fasta, entries });
});

test('prepareIgvGenome: the entries from a .fai equal those indexing gives, and the session written is the same', async () => {
  const fasta = path.join(work, 'genome.fa');
  await fs.writeFile(fasta, `>chrA desc\n${wrap(randomDna(1234, 3))}\n>chrB\n${wrap(randomDna(777, 4), 50)}\n>empty\n>chrC\n${wrap(randomDna(61, 5))}\n`);
  const built = await prepareIgvGenome(fasta, undefined);
  const withoutIndex = path.join(work, 'without');
  await fs.mkdir(withoutIndex);
  await writeIgvSession(withoutIndex, { genome: built, tracks: [] });

  await fs.writeFile(`${fasta}.fai`, formatFai(await buildFai(fasta)));
  await touch(`${fasta}.fai`, 10);
  const indexed = await prepareIgvGenome(fasta, undefined);
  assert.deepEqual(indexed, built);
  const withIndex = path.join(work, 'with');
  await fs.mkdir(withIndex);
  await writeIgvSession(withIndex, { genome: indexed, tracks: [] });
  for (const name of await fs.readdir(withoutIndex)) {
    assert.equal(await fs.readFile(path.join(withIndex, name), 'utf8'), await fs.readFile(path.join(withoutIndex, name), 'utf8'), name);
  }
  assert.deepEqual((await fs.readdir(withIndex)).sort(), (await fs.readdir(withoutIndex)).sort());
});

test('prepareIgvGenome: a .fai older than its FASTA is not trusted: the FASTA is indexed', async () => {
  const fasta = path.join(work, 'edited.fa');
  await fs.writeFile(fasta, `>now\n${'ACGT'.repeat(10)}\n`);
  await fs.writeFile(`${fasta}.fai`, formatFai([{ name: 'before', length: 4, offset: 8, lineBases: 4, lineBytes: 5 }]));
  await touch(`${fasta}.fai`, -3600);
  const genome = await prepareIgvGenome(fasta, undefined);
  assert.ok('entries' in genome);
  assert.deepEqual(genome.entries, await buildFai(fasta));
});

test('prepareIgvGenome: with a .fai, a gzip file and records in genome coordinates are still refused', async () => {
  const gz = path.join(work, 'compressed.fa');
  await fs.writeFile(gz, Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3]));
  await fs.writeFile(`${gz}.fai`, formatFai([{ name: 's', length: 4, offset: 3, lineBases: 4, lineBytes: 5 }]));
  await touch(`${gz}.fai`, 10);
  await assert.rejects(prepareIgvGenome(gz, undefined), /gzip-compressed/);

  const placed = path.join(work, 'placed.fa');
  await fs.writeFile(placed, `>chr7:1001-1040\n${'ACGT'.repeat(10)}\n`);
  await fs.writeFile(`${placed}.fai`, formatFai(await buildFai(placed)));
  await touch(`${placed}.fai`, 10);
  await assert.rejects(prepareIgvGenome(placed, undefined), /record "chr7:1001-1040" carries genome coordinates/);
});
