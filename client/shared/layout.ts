/** Grid geometry for the call stage. Pure. */

/**
 * Columns and rows for n tiles on a stage of the given aspect ratio (width / height): the largest 16:9 tile
 * that fits a cell wins; on a tie, more columns on a wide stage and more rows on a tall one.
 */
export function gridShape(n: number, aspect: number): { cols: number; rows: number } {
  const count = Math.max(1, n);
  let best = { cols: 1, rows: count, size: -1 };
  for (let cols = 1; cols <= count; cols++) {
    const rows = Math.ceil(count / cols);
    const size = Math.round(Math.min(1 / rows, ((aspect / cols) * 9) / 16) * 1e6);
    if (size > best.size || (size === best.size && aspect >= 1)) best = { cols, rows, size };
  }
  return { cols: best.cols, rows: best.rows };
}
