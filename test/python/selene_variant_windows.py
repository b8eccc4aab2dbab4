"""Selene's variant-effect windows, transcribed from selene_sdk (FunctionLab/selene at 9f8c441,
2024-12-16) as the independent reference for `tfbs variants --window-mode selene`
(src/variants/alleles.ts). Strings stand in for Selene's one-hot arrays: `np.vstack` becomes
concatenation, `sequence_to_encoding` the identity. Nothing else is changed, except the one place
marked SPLICE FIX, which is applied only when asked.

Transcribed lines:
  selene_sdk/predict/model_predict.py 168-171     _start_radius = L // 2 (+ 1 when L is odd); _end_radius = L // 2
  selene_sdk/predict/model_predict.py 1057-1062   center = pos + len(ref) // 2; start = center - _start_radius;
                                                  end = center + _end_radius; reference window = genome[start:end]
  selene_sdk/predict/model_predict.py 1065-1077   _process_alt(chrom, pos, ref, alt, start, end, wt_sequence, ...),
                                                  then _handle_standard_ref writes REF into the reference window
  selene_sdk/predict/_variant_effect_prediction.py 137-143  _get_ref_idxs
  selene_sdk/predict/_variant_effect_prediction.py 185-223  _process_alt
  selene_sdk/predict/_variant_effect_prediction.py 226-245  _handle_standard_ref
  selene_sdk/predict/_common.py 108-111           _truncate_sequence
  selene_sdk/sequences/genome.py 156-166          get_sequence_from_coords(pad=True): N beyond the chromosome;
                                                  coordinates 0-based, end exclusive (its docstring, 401-404)

The deletion branch (lines 210-223) reads lhs = genome[..., pos + 1) and rhs = genome[pos + 1 + len(REF), ...)
with `pos` the VCF's 1-based POS, whose REF starts at 0-based pos - 1: the sequence it scores keeps
REF's first two bases and drops the len(REF) bases after them (the genome with [pos + 1, pos + 1 +
len(REF)) replaced by ALT), not the VCF's deletion. SPLICE FIX splices at pos - 1 instead; the
window's span on the genome (its first and last bases) is Selene's either way.

usage: selene_variant_windows.py < cases.json   (stdout: JSON)
  cases.json: {"genome": "ACGT...", "length": L, "variants": [[pos, ref, alt], ...]}
  output: [{"ref": window, "alt": window as Selene builds it, "alt_splice_fixed": the same with SPLICE FIX}, ...]
"""
import json
import math
import sys


class StringGenome:
    def __init__(self, sequence):
        self.sequence = sequence

    def get_sequence_from_coords(self, chrom, start, end, pad=False):
        # genome.py 156-166: pad with N where the query leaves the chromosome.
        n = len(self.sequence)
        start_pad = -start if start < 0 else 0
        end_pad = end - n if end > n else 0
        return 'N' * start_pad + self.sequence[max(start, 0):min(end, n)] + 'N' * end_pad


def _truncate_sequence(sequence, to_length):
    start = int((len(sequence) - to_length) // 2)
    end = int(start + to_length)
    return str.upper(sequence[start:end])


def _get_ref_idxs(seq_len, ref_len):
    mid = seq_len // 2
    if seq_len % 2 == 0:
        mid -= 1
    start_pos = mid - ref_len // 2
    end_pos = start_pos + ref_len
    return (start_pos, end_pos)


def _process_alt(chrom, pos, ref, alt, start, end, wt_sequence, reference_sequence, splice_fix=False):
    if alt == '*' or alt == '-':
        alt = ''
    ref_len = len(ref)
    alt_len = len(alt)
    if alt_len > len(wt_sequence):
        return _truncate_sequence(alt, len(wt_sequence))
    alt_encoding = alt
    if ref_len == alt_len:  # substitution
        start_pos, end_pos = _get_ref_idxs(len(wt_sequence), ref_len)
        return wt_sequence[:start_pos] + alt_encoding + wt_sequence[end_pos:]
    elif alt_len > ref_len:  # insertion
        start_pos, end_pos = _get_ref_idxs(len(wt_sequence), ref_len)
        sequence = wt_sequence[:start_pos] + alt_encoding + wt_sequence[end_pos:]
        trunc_s = (len(sequence) - len(wt_sequence)) // 2
        trunc_e = trunc_s + len(wt_sequence)
        return sequence[trunc_s:trunc_e]
    else:  # deletion
        splice = pos - 1 if splice_fix else pos + 1  # SPLICE FIX (Selene: pos + 1)
        lhs = reference_sequence.get_sequence_from_coords(chrom, start - ref_len // 2 + alt_len // 2, splice, pad=True)
        rhs = reference_sequence.get_sequence_from_coords(chrom, splice + ref_len, end + math.ceil(ref_len / 2.) - math.ceil(alt_len / 2.), pad=True)
        return lhs + alt + rhs


def _handle_standard_ref(ref_encoding, seq_encoding, seq_length):
    ref_len = len(ref_encoding)
    start_pos, end_pos = _get_ref_idxs(seq_length, ref_len)
    return seq_encoding[:start_pos] + ref_encoding + seq_encoding[start_pos + ref_len:]


def windows(genome, length, pos, ref, alt):
    start_radius = length // 2
    end_radius = start_radius
    if length % 2 != 0:
        start_radius += 1
    center = pos + len(ref) // 2
    start = center - start_radius
    end = center + end_radius
    ref_sequence = genome.get_sequence_from_coords('chr', start, end)
    alt_sequence = _process_alt('chr', pos, ref, alt, start, end, ref_sequence, genome)
    alt_fixed = _process_alt('chr', pos, ref, alt, start, end, ref_sequence, genome, splice_fix=True)
    if len(ref) and len(ref) < length:
        ref_sequence = _handle_standard_ref(ref, ref_sequence, length)
    return {'ref': ref_sequence, 'alt': alt_sequence, 'alt_splice_fixed': alt_fixed}


def main():
    cases = json.load(sys.stdin)
    genome = StringGenome(cases['genome'])
    out = [windows(genome, cases['length'], pos, ref, alt) for pos, ref, alt in cases['variants']]
    json.dump(out, sys.stdout)


if __name__ == '__main__':
    main()
