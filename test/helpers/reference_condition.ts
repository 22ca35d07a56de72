/**
 * Conditioning a Gaussian mixture in float64, written independently of the library: the
 * textbook formulas with an explicit inverse of Sigma_gg (Gauss-Jordan elimination), and the
 * weights by a max-shifted log-sum-exp.
 */

/** Inverse of a small SPD matrix by Gauss-Jordan elimination with partial pivoting. */
function inverse(a: number[][]): number[][] {
  const n = a.length;
  const m = a.map((row, i) => [...row, ...Array.from({length: n}, (_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[pivot][c])) pivot = r;
    [m[c], m[pivot]] = [m[pivot], m[c]];
    const p = m[c][c];
    for (let j = 0; j < 2 * n; j++) m[c][j] /= p;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r][c];
      for (let j = 0; j < 2 * n; j++) m[r][j] -= f * m[c][j];
    }
  }
  return m.map((row) => row.slice(n));
}

/** Determinant of a small matrix by elimination. */
function determinant(a: number[][]): number {
  const m = a.map((r) => r.slice());
  const n = m.length;
  let det = 1;
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[pivot][c])) pivot = r;
    if (pivot !== c) {
      [m[c], m[pivot]] = [m[pivot], m[c]];
      det = -det;
    }
    det *= m[c][c];
    for (let r = c + 1; r < n; r++) {
      const f = m[r][c] / m[c][c];
      for (let j = c; j < n; j++) m[r][j] -= f * m[c][j];
    }
  }
  return det;
}

const pick = (m: number[][], rows: number[], cols: number[]) => rows.map((i) => cols.map((j) => m[i][j]));

/** A mixture of the remaining features per observation, float64. */
export interface ReferenceConditional {
  weights: number[][];
  means: number[][][];
  /** Dense conditional covariances [N][K][R][R]. */
  covariances: number[][][][];
}

/**
 * Conditions the mixture (weights [K], means [K][D], dense covariances [K][D][D]) on
 * `given` = rows of values [N][G] of the features `givenFeatures`; remaining features ascending.
 */
export function referenceCondition(
  weights: number[],
  means: number[][],
  covariances: number[][][],
  givenFeatures: number[],
  values: number[][],
): ReferenceConditional {
  const D = means[0].length;
  const remaining = Array.from({length: D}, (_, d) => d).filter((d) => !givenFeatures.includes(d));
  const G = givenFeatures.length;
  const parts = covariances.map((sigma) => {
    const inv = inverse(pick(sigma, givenFeatures, givenFeatures));
    const srg = pick(sigma, remaining, givenFeatures);
    const gain = srg.map((row) => givenFeatures.map((_, j) => row.reduce((s, v, t) => s + v * inv[t][j], 0)));
    // Sigma_rr - (Sigma_rg Sigma_gg^-1) Sigma_gr.
    const schur = remaining.map((a, i) =>
      remaining.map((b) => sigma[a][b] - gain[i].reduce((s, v, t) => s + v * sigma[givenFeatures[t]][b], 0)),
    );
    return {inv, gain, schur, logDet: Math.log(determinant(pick(sigma, givenFeatures, givenFeatures)))};
  });
  const out: ReferenceConditional = {weights: [], means: [], covariances: []};
  for (const x of values) {
    const logs = parts.map(({inv, logDet}, k) => {
      const d = givenFeatures.map((f, j) => x[j] - means[k][f]);
      const quad = d.reduce((s, di, i) => s + di * d.reduce((t, dj, j) => t + inv[i][j] * dj, 0), 0);
      return Math.log(weights[k]) - 0.5 * (quad + logDet + G * Math.log(2 * Math.PI));
    });
    const max = Math.max(...logs);
    const total = logs.reduce((s, l) => s + Math.exp(l - max), 0);
    out.weights.push(logs.map((l) => Math.exp(l - max) / total));
    out.means.push(
      parts.map(({gain}, k) =>
        remaining.map(
          (r, i) => means[k][r] + gain[i].reduce((s, g, j) => s + g * (x[j] - means[k][givenFeatures[j]]), 0),
        ),
      ),
    );
    out.covariances.push(parts.map(({schur}) => schur));
  }
  return out;
}
