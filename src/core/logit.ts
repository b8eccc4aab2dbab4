/**
 * The one logit behind every Δlogit in TFBS Lens (ISM attribution, `tfbs variants`, the live variant
 * effect). A probability of exactly 0 or 1 — a float32 sigmoid saturates there — would give an
 * infinite logit, so p is clipped to [LOGIT_EPSILON, 1 − LOGIT_EPSILON] first: |logit| ≤ 13.8.
 *
 * Selene differs (selene_sdk/predict/predict_handlers/logit_score_handler.py, lines 118–122 at
 * 9f8c441): it replaces p == 0 by 1e−24 and p ≥ 1 by 0.999999 and leaves every other value as it is.
 * Our Δlogit therefore equals Selene's for probabilities in [1e−6, 0.999999] and is smaller in
 * magnitude outside them (Selene's logit(1e−24) is −55.3).
 */
export const LOGIT_EPSILON = 1e-6;

export function logit(p: number): number {
  const q = Math.min(1 - LOGIT_EPSILON, Math.max(LOGIT_EPSILON, p));
  return Math.log(q / (1 - q));
}
