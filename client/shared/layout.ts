/** Grid geometry for the call stage. Pure. */

/** Columns and rows for n tiles on a stage of the given aspect ratio (width / height). */
export function gridShape(n: number, aspect: number): { cols: number; rows: number } {
  let best = { cols: 1, rows: Math.max(1, n), score: -1 };
  for (let cols = 1; cols <= Math.max(1, n); cols++) {
    const rows = Math.ceil(n / cols);
    // The size of a 16:9 tile that fits a cell, relative to the stage height.
    const cellW = aspect / cols;
    const cellH = 1 / rows;
    const tileH = Math.min(cellH, (cellW * 9) / 16);
    if (tileH > best.score + 1e-9) best = { cols, rows, score: tileH };
  }
  return { cols: best.cols, rows: best.rows };
}
