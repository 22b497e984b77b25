/** The built-in replacement backgrounds, drawn on a canvas (no image files to ship or fetch). */
import type { Backdrop } from '../shared/background';

type Ctx = CanvasRenderingContext2D;

function sky(g: Ctx, w: number, h: number): void {
  const air = g.createLinearGradient(0, 0, 0, h);
  air.addColorStop(0, '#3d7cc9');
  air.addColorStop(0.7, '#a9d2f2');
  air.addColorStop(1, '#e8f3fb');
  g.fillStyle = air;
  g.fillRect(0, 0, w, h);
  g.fillStyle = 'rgba(255, 255, 255, 0.85)';
  const cloud = (x: number, y: number, s: number) => {
    for (const [dx, dy, r] of [
      [0, 0, 1],
      [0.9, -0.35, 0.8],
      [1.7, 0, 0.9],
      [0.8, 0.25, 0.9],
    ]) {
      g.beginPath();
      g.arc(x + dx * s, y + dy * s, r * s, 0, Math.PI * 2);
      g.fill();
    }
  };
  cloud(w * 0.12, h * 0.22, h * 0.06);
  cloud(w * 0.68, h * 0.14, h * 0.08);
  cloud(w * 0.45, h * 0.42, h * 0.05);
  g.fillStyle = '#5c8f5a';
  g.beginPath();
  g.moveTo(0, h);
  g.quadraticCurveTo(w * 0.3, h * 0.72, w * 0.6, h * 0.86);
  g.quadraticCurveTo(w * 0.85, h * 0.78, w, h * 0.84);
  g.lineTo(w, h);
  g.fill();
}

function studio(g: Ctx, w: number, h: number): void {
  const light = g.createRadialGradient(w * 0.5, h * 0.4, h * 0.05, w * 0.5, h * 0.5, Math.max(w, h) * 0.75);
  light.addColorStop(0, '#6b6f7a');
  light.addColorStop(0.6, '#34363d');
  light.addColorStop(1, '#17181c');
  g.fillStyle = light;
  g.fillRect(0, 0, w, h);
}

function shelves(g: Ctx, w: number, h: number): void {
  g.fillStyle = '#e9e2d6';
  g.fillRect(0, 0, w, h);
  const colours = ['#8c3b3b', '#2f5d7c', '#c49a3a', '#3f6e4a', '#6b4c7a', '#b5654a'];
  const rows = 4;
  const rowH = h / rows;
  let k = 0;
  for (let r = 0; r < rows; r++) {
    const base = (r + 1) * rowH - rowH * 0.12;
    g.fillStyle = '#8a6a48';
    g.fillRect(0, base, w, rowH * 0.08);
    let x = w * 0.04;
    while (x < w * 0.96) {
      const bw = w * (0.018 + ((k * 7) % 5) * 0.004);
      const bh = rowH * (0.55 + ((k * 3) % 4) * 0.07);
      g.fillStyle = colours[k % colours.length];
      g.fillRect(x, base - bh, bw, bh);
      x += bw + w * 0.004;
      k++;
      if (k % 9 === 0) x += w * 0.06;
    }
  }
}

const PAINTERS: Record<Backdrop, (g: Ctx, w: number, h: number) => void> = { sky, studio, shelves };

/** Draws `backdrop` over the whole of `g`'s canvas. */
export function paintBackdrop(g: Ctx, backdrop: Backdrop, w: number, h: number): void {
  PAINTERS[backdrop](g, w, h);
}
