/**
 * Goodness-of-fit statistics in float64, independent of the library: Pearson's chi-square test of
 * counts, the Kolmogorov-Smirnov statistic, and the chi-square distribution's CDF (the regularised
 * lower incomplete gamma function by its series).
 */

/** log Gamma(x) for x > 0 (Lanczos, g = 7, 9 terms; ~1e-15 relative). */
function logGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const y = x - 1;
  let a = c[0];
  const t = y + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (y + i);
  return 0.5 * Math.log(2 * Math.PI) + (y + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Regularised lower incomplete gamma P(a, x), by its power series (converges for every x >= 0). */
function lowerGammaRegularized(a: number, x: number): number {
  if (x <= 0) return 0;
  let term = 1 / a;
  let sum = term;
  for (let k = 1; k < 10000; k++) {
    term *= x / (a + k);
    sum += term;
    if (term < sum * 1e-16) break;
  }
  return Math.min(1, Math.exp(a * Math.log(x) - x - logGamma(a)) * sum);
}

/** CDF of the chi-square distribution with `dof` degrees of freedom. */
export function chiSquareCdf(x: number, dof: number): number {
  return lowerGammaRegularized(dof / 2, x / 2);
}

/** Pearson's chi-square statistic of observed counts against expected probabilities, and its p-value. */
export function chiSquareTest(counts: number[], probabilities: number[]): {statistic: number; pValue: number} {
  const total = counts.reduce((s, c) => s + c, 0);
  const statistic = counts.reduce((s, c, k) => s + (c - total * probabilities[k]) ** 2 / (total * probabilities[k]), 0);
  return {statistic, pValue: 1 - chiSquareCdf(statistic, counts.length - 1)};
}

/** The Kolmogorov-Smirnov statistic sup |F_n - F| of `values` against the CDF `cdf`. */
export function ksStatistic(values: number[], cdf: (x: number) => number): number {
  const sorted = values.slice().sort((a, b) => a - b);
  const n = sorted.length;
  let d = 0;
  sorted.forEach((v, i) => {
    const f = cdf(v);
    d = Math.max(d, f - i / n, (i + 1) / n - f);
  });
  return d;
}

/**
 * The KS statistic that a sample of size n from the hypothesised distribution exceeds with
 * probability about `alpha` (the asymptotic Kolmogorov distribution, sqrt(-ln(alpha / 2) / 2) / sqrt(n)).
 */
export function ksCritical(n: number, alpha: number): number {
  return Math.sqrt(-Math.log(alpha / 2) / 2) / Math.sqrt(n);
}
