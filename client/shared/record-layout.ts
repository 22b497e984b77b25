/** Where each tile goes on a recording's frame, and the recording's file name. Pure. */
import { gridShape } from './layout';

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Space between tiles and around the edge, in pixels of the frame. */
export const RECORD_GAP = 8;

/**
 * One rectangle per tile, in the order given. Without a shared screen: a grid as the stage lays it out (the last row
 * centred). With one: the first screen large on the left, every other tile in a column on the right.
 */
export function recordLayout(tiles: ReadonlyArray<{ screen: boolean }>, width: number, height: number, gap = RECORD_GAP): Rect[] {
  const n = tiles.length;
  if (n === 0) return [];
  const main = tiles.findIndex((t) => t.screen);
  if (main >= 0 && n > 1) {
    const side = n - 1;
    const colW = Math.round((width - 3 * gap) * 0.22);
    const mainW = width - 3 * gap - colW;
    const cellH = Math.min((height - gap * (side + 1)) / side, (colW * 9) / 16);
    const top = (height - (cellH * side + gap * (side - 1))) / 2;
    let k = 0;
    return tiles.map((_, i) => {
      if (i === main) return { x: gap, y: gap, w: mainW, h: height - 2 * gap };
      const r = { x: 2 * gap + mainW, y: top + k * (cellH + gap), w: colW, h: cellH };
      k++;
      return r;
    });
  }
  const { cols, rows } = gridShape(n, width / height);
  const cellW = (width - gap * (cols + 1)) / cols;
  const cellH = (height - gap * (rows + 1)) / rows;
  return tiles.map((_, i) => {
    const row = Math.floor(i / cols);
    const col = i % cols;
    const inRow = row === rows - 1 ? n - cols * (rows - 1) : cols;
    const offset = ((cols - inRow) * (cellW + gap)) / 2;
    return { x: gap + offset + col * (cellW + gap), y: gap + row * (cellH + gap), w: cellW, h: cellH };
  });
}

/** Where `src` (srcW × srcH) is drawn to fill `dst`: cropped to cover it, or (`contain`) letterboxed inside it. */
export function fitRect(srcW: number, srcH: number, dst: Rect, contain = false): Rect {
  if (srcW <= 0 || srcH <= 0) return { ...dst };
  const scale = contain ? Math.min(dst.w / srcW, dst.h / srcH) : Math.max(dst.w / srcW, dst.h / srcH);
  const w = srcW * scale;
  const h = srcH * scale;
  return { x: dst.x + (dst.w - w) / 2, y: dst.y + (dst.h - h) / 2, w, h };
}

/**
 * The part of a `srcW` × `srcH` source to draw into `dst` so that it covers it (the middle, cropped to dst's shape),
 * or all of it (`whole`).
 */
export function cropRect(srcW: number, srcH: number, dst: Pick<Rect, 'w' | 'h'>, whole = false): Rect {
  if (whole || srcW <= 0 || srcH <= 0 || dst.w <= 0 || dst.h <= 0) return { x: 0, y: 0, w: srcW, h: srcH };
  const scale = Math.min(srcW / dst.w, srcH / dst.h);
  const w = dst.w * scale;
  const h = dst.h * scale;
  return { x: (srcW - w) / 2, y: (srcH - h) / 2, w, h };
}

/** `parley-<room>-<yyyy-mm-dd-hhmm>.webm`, local time of `at`; the room code keeps only letters, digits and dashes. */
export function recordingFileName(room: string, at: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  const code = room.toLowerCase().replace(/[^a-z0-9-]/g, '') || 'meeting';
  const day = `${at.getFullYear()}-${two(at.getMonth() + 1)}-${two(at.getDate())}`;
  return `parley-${code}-${day}-${two(at.getHours())}${two(at.getMinutes())}.webm`;
}

/** The first container and codecs the browser records: VP8 or VP9 video with Opus sound in WebM. */
export const RECORDING_TYPES = ['video/webm;codecs=vp8,opus', 'video/webm;codecs=vp9,opus', 'video/webm'] as const;

export function pickRecordingType(supported: (type: string) => boolean): string | null {
  return RECORDING_TYPES.find((type) => supported(type)) ?? null;
}
