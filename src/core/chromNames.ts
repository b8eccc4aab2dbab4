/**
 * Chromosome names. The same chromosome is `chr1` in UCSC files and `1` in Ensembl and NCBI ones (some
 * plant assemblies write `Chr1`), and the mitochondrion is `chrM`, `MT`, `M` or `chrMT`. A VCF, a BED
 * file or an option written with one convention against a FASTA written with the other is the
 * commonest mismatch users hit; these are the one set of rules that reconcile them (tfbs variants,
 * --region, the training data sets).
 */

const MITOCHONDRION = ['chrM', 'MT', 'M', 'chrMT'];
const MITOCHONDRION_NAME = /^(chr)?(M|MT)$/i;
const CHR_PREFIX = /^chr/i;

/** Spellings of a chromosome name, most likely first: the name, without and with `chr`, and every spelling of the mitochondrion. */
export function chromSpellings(name: string): string[] {
  const out = [name];
  const bare = name.replace(CHR_PREFIX, '');
  const others = MITOCHONDRION_NAME.test(name) ? [bare, `chr${bare}`, ...MITOCHONDRION] : [bare, `chr${bare}`];
  for (const s of others) if (!out.includes(s)) out.push(s);
  return out;
}

/** One spelling per chromosome: `chr1`, `Chr1` and `1` → `1`; the mitochondrion → `M`. */
export function canonicalChrom(name: string): string {
  if (MITOCHONDRION_NAME.test(name)) return 'M';
  return name.replace(CHR_PREFIX, '');
}

/** Whether two names spell the same chromosome. */
export function sameChrom(a: string, b: string): boolean {
  return a === b || canonicalChrom(a) === canonicalChrom(b);
}

/** Maps names used elsewhere (a VCF, a BED file, an option) onto `names` (a FASTA's): the first spelling it has, or undefined. */
export function chromosomeResolver(names: Iterable<string>): (name: string) => string | undefined {
  const available = new Set(names);
  const cache = new Map<string, string | undefined>();
  return (name) => {
    if (!cache.has(name)) cache.set(name, chromSpellings(name).find((s) => available.has(s)));
    return cache.get(name);
  };
}
