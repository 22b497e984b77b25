/**
 * A fake camera picture that selfie segmentation takes for a person: a head with hair, eyes, brows, nose and mouth,
 * a neck, shoulders and a shirt, in front of a busy, finely textured room (stripes, checks and noise). Written as a
 * YUV4MPEG2 file for Chromium's `--use-file-for-fake-video-capture`.
 */
import { writeFileSync } from 'node:fs';
import type { Rgb } from './frames';

type Shade = (x: number, y: number) => Rgb;

/** A small deterministic pseudo-random generator, so that every run draws the same room. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** The busy room behind the person: coloured shelves of checks and stripes with grain, detailed at the pixel level. */
export function backgroundAt(width: number, height: number): Shade {
  const rand = prng(7);
  const grain = Float32Array.from({ length: width * height }, () => rand());
  return (x, y) => {
    const n = grain[y * width + x] * 60 - 30;
    const band = Math.floor(y / (height / 6));
    const fine = (Math.floor(x / 3) + Math.floor(y / 3)) % 2 === 0 ? 45 : -45;
    const stripe = Math.floor(x / 5) % 2 === 0 ? 35 : -35;
    const base: Rgb[] = [
      [90, 140, 200],
      [200, 170, 90],
      [120, 180, 120],
      [190, 110, 150],
      [110, 120, 190],
      [170, 160, 140],
    ];
    const [r, g, b] = base[band % base.length];
    const tex = band % 2 === 0 ? fine : stripe;
    return [r + tex + n, g + tex * 0.8 + n, b - tex * 0.6 + n];
  };
}

const inEllipse = (x: number, y: number, cx: number, cy: number, rx: number, ry: number) =>
  ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1;

/**
 * The person, in a frame of `width` × `height`, head centred, shoulders to the bottom edge (a typical webcam
 * framing). `dx` shifts the whole figure sideways (a little movement between frames). Null outside the person.
 */
export function personAt(width: number, height: number, dx = 0): (x: number, y: number) => Rgb | null {
  const u = height / 480;
  const cx = width / 2 + dx;
  const headY = 190 * u;
  const headRx = 72 * u;
  const headRy = 95 * u;
  const skin: Rgb = [224, 172, 138];
  const hair: Rgb = [60, 38, 24];
  const shirt: Rgb = [40, 60, 110];
  return (x, y) => {
    // Eyes, brows, nose, mouth over the face.
    const ex = 28 * u;
    const ey = headY - 12 * u;
    for (const side of [-1, 1]) {
      const ecx = cx + side * ex;
      if (inEllipse(x, y, ecx, ey, 5 * u, 5 * u)) return [30, 25, 20];
      if (inEllipse(x, y, ecx, ey, 13 * u, 7 * u)) return [245, 245, 240];
      if (inEllipse(x, y, ecx, ey - 17 * u, 15 * u, 3.5 * u)) return hair;
    }
    if (inEllipse(x, y, cx, headY + 42 * u, 26 * u, 8 * u) && y >= headY + 40 * u) return [170, 60, 60];
    if (inEllipse(x, y, cx, headY + 42 * u, 26 * u, 8 * u)) return [190, 90, 85];
    if (Math.abs(x - cx) < 5 * u && y > ey + 5 * u && y < headY + 22 * u) return [205, 150, 118];
    // Ears.
    for (const side of [-1, 1]) if (inEllipse(x, y, cx + side * (headRx + 2 * u), headY, 12 * u, 22 * u)) return [214, 160, 126];
    if (inEllipse(x, y, cx, headY, headRx, headRy)) {
      // Hair on the top of the head, the face below the hairline.
      if (y < headY - 45 * u + Math.abs(x - cx) * 0.25) return hair;
      return skin;
    }
    if (inEllipse(x, y, cx, headY - 40 * u, headRx + 10 * u, 70 * u) && y < headY - 20 * u) return hair;
    // Neck.
    if (Math.abs(x - cx) < 30 * u && y > headY + 60 * u && y < 320 * u) return [210, 158, 125];
    // Shoulders and torso: a wide rounded shape down to the bottom edge.
    const top = 300 * u;
    if (y >= top) {
      const half = 150 * u + Math.min(1, (y - top) / (60 * u)) * 60 * u;
      const round = y < top + 40 * u ? Math.sqrt(Math.max(0, 1 - ((top + 40 * u - y) / (40 * u)) ** 2)) : 1;
      if (Math.abs(x - cx) <= half * round) {
        // A collar: a skin-coloured V at the neck.
        if (Math.abs(x - cx) < Math.max(0, 40 * u - (y - top) * 0.6)) return [210, 158, 125];
        return shirt;
      }
    }
    return null;
  };
}

/** RGB of a whole frame: the person over the room. */
export function figureFrame(width: number, height: number, dx = 0): Uint8ClampedArray {
  const bg = backgroundAt(width, height);
  const person = personAt(width, height, dx);
  const out = new Uint8ClampedArray(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const c = person(x, y) ?? bg(x, y);
      out.set(c, (y * width + x) * 3);
    }
  }
  return out;
}

/** Writes the person in the room as a looping .y4m (BT.601 studio range, 4:2:0), swaying a few pixels. */
export function writeFigureY4m(file: string, width = 640, height = 480, frames = 16, fps = 15): string {
  const parts: Buffer[] = [Buffer.from(`YUV4MPEG2 W${width} H${height} F${fps}:1 Ip A1:1 C420jpeg\n`)];
  for (let f = 0; f < frames; f++) {
    const rgb = figureFrame(width, height, Math.round(6 * Math.sin((2 * Math.PI * f) / frames)));
    const luma = Buffer.alloc(width * height);
    const cw = width / 2;
    const ch = height / 2;
    const us = Buffer.alloc(cw * ch);
    const vs = Buffer.alloc(cw * ch);
    for (let i = 0; i < width * height; i++) {
      const R = rgb[i * 3] / 255;
      const G = rgb[i * 3 + 1] / 255;
      const B = rgb[i * 3 + 2] / 255;
      luma[i] = Math.round(16 + 65.481 * R + 128.553 * G + 24.966 * B);
    }
    for (let y = 0; y < ch; y++) {
      for (let x = 0; x < cw; x++) {
        let R = 0;
        let G = 0;
        let B = 0;
        for (const [ox, oy] of [
          [0, 0],
          [1, 0],
          [0, 1],
          [1, 1],
        ]) {
          const i = ((2 * y + oy) * width + 2 * x + ox) * 3;
          R += rgb[i] / 1020;
          G += rgb[i + 1] / 1020;
          B += rgb[i + 2] / 1020;
        }
        us[y * cw + x] = Math.round(128 - 37.797 * R - 74.203 * G + 112 * B);
        vs[y * cw + x] = Math.round(128 + 112 * R - 93.786 * G - 18.214 * B);
      }
    }
    parts.push(Buffer.from('FRAME\n'), luma, us, vs);
  }
  writeFileSync(file, Buffer.concat(parts));
  return file;
}
