// A small SVG chart of the bench results: p99 relay latency and relay throughput per configuration.
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);

function bars(title, unit, rows, x0, y0, w) {
  const max = Math.max(...rows.map((r) => r.value).filter(Number.isFinite), 1e-9);
  const out = [`<text x="${x0}" y="${y0}" font-size="14" font-weight="600">${esc(title)}</text>`];
  rows.forEach((r, i) => {
    const y = y0 + 14 + i * 24;
    const len = Number.isFinite(r.value) ? (r.value / max) * (w - 190) : 0;
    out.push(`<text x="${x0}" y="${y + 14}" font-size="12">${esc(r.label)}</text>`);
    out.push(`<rect x="${x0 + 120}" y="${y + 2}" width="${len.toFixed(1)}" height="16" fill="${r.color}"/>`);
    out.push(
      `<text x="${x0 + 126 + len}" y="${y + 14}" font-size="12">${Number.isFinite(r.value) ? r.value.toFixed(r.digits ?? 1) : 'n/a'} ${esc(unit)}</text>`,
    );
  });
  return { svg: out.join(''), height: 24 + rows.length * 24 };
}

export function chart(results) {
  const colors = { baseline: '#9aa0a6', memory: '#8ab4f8', redis: '#81c995', redis3: '#fdd663', 'baseline-redis3': '#c58af9' };
  const configs = [...new Set(results.runs.map((r) => r.config))];
  const find = (s, p, c) => results.runs.find((r) => r.scenario === s && r.param === p && r.config === c);
  const panels = [];
  for (const rate of [1000, 4000]) {
    panels.push([
      'p99 one-way relay latency @ ' + rate + '/s',
      'ms',
      configs.map((c) => ({ label: c, value: find('latency', rate, c)?.p99, color: colors[c] ?? '#aaa', digits: 2 })),
    ]);
  }
  panels.push([
    'relay throughput (closed loop)',
    'signals/s',
    configs.map((c) => ({ label: c, value: find('throughput', undefined, c)?.signalsPerSec, color: colors[c] ?? '#aaa', digits: 0 })),
  ]);
  panels.push([
    'server CPU per relayed signal',
    'µs',
    configs.map((c) => ({
      label: c,
      value: find('throughput', undefined, c)?.cpuUsPerSignalWithRedis,
      color: colors[c] ?? '#aaa',
      digits: 1,
    })),
  ]);
  let y = 30;
  const parts = [];
  for (const [title, unit, rows] of panels) {
    const b = bars(title, unit, rows, 20, y, 640);
    parts.push(b.svg);
    y += b.height + 20;
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="680" height="${y}" font-family="sans-serif"><rect width="100%" height="100%" fill="#fff"/>${parts.join('')}</svg>\n`;
}
