// How the panel writes numbers.

/** 2e-5 rather than 0.00002: how learning rates are written in the chapter and the BERT paper. */
export function num(v: number): string {
  return v !== 0 && Math.abs(v) < 1e-3 ? v.toExponential() : String(v);
}

export function pct(v: number): string {
  return `${(100 * v).toFixed(1)} %`;
}
