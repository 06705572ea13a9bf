/**
 * A hand-written SVG chart of a suite run (no chart dependency): per scenario a horizontal bar of
 * rps (left panel) and p50/p99 latency bars (right panel). Skipped rows show their status.
 */
import { describeGenerator, formatMs } from './format.js';
import type { SuiteResult } from './types.js';

const esc = (s: string) => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

/**
 * @example
 * writeFileSync('bench/results/x.svg', renderSvg(result));
 */
export function renderSvg(r: SuiteResult): string {
  const rowH = 34;
  const top = 56;
  const labelW = 200;
  const panelW = 300;
  const gap = 70;
  const width = labelW + panelW + gap + panelW + 30;
  const height = top + r.rows.length * rowH + 40;
  const ok = r.rows.filter((x) => x.status === 'ok');
  const maxRps = Math.max(1, ...ok.map((x) => x.rps ?? 0));
  const maxLat = Math.max(0.001, ...ok.map((x) => x.p99 ?? 0), ...ok.map((x) => x.p50 ?? 0));
  const x1 = labelW;
  const x2 = labelW + panelW + gap;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="20" font-size="14" font-weight="bold">${esc(`regate bench ${r.date} (${r.mode}, ${describeGenerator(r.settings.generator)}, ${r.settings.connections} connections${r.repeat ? `, medians of ${r.repeat.n} rounds` : ''})`)}</text>`,
    `<text x="${x1}" y="44" font-weight="bold">requests/s (higher is better)</text>`,
    `<text x="${x2}" y="44" font-weight="bold">latency ms: p50 <tspan fill="#2b6cb0">■</tspan> p99 <tspan fill="#e53e3e">■</tspan> (lower is better)</text>`,
  ];
  r.rows.forEach((row, i) => {
    const y = top + i * rowH;
    out.push(`<text x="${labelW - 8}" y="${y + 18}" text-anchor="end">${esc(row.label)}</text>`);
    if (row.status !== 'ok') {
      out.push(`<text x="${x1}" y="${y + 18}" fill="#888">${esc(`${row.status}: ${row.reason ?? ''}`.slice(0, 90))}</text>`);
      return;
    }
    const w = ((row.rps ?? 0) / maxRps) * panelW;
    out.push(`<rect x="${x1}" y="${y + 4}" width="${w.toFixed(1)}" height="20" fill="#38a169"/>`);
    out.push(`<text x="${(x1 + w + 4).toFixed(1)}" y="${y + 18}">${(row.rps ?? 0).toFixed(0)}</text>`);
    const w50 = ((row.p50 ?? 0) / maxLat) * panelW;
    const w99 = ((row.p99 ?? 0) / maxLat) * panelW;
    out.push(`<rect x="${x2}" y="${y + 4}" width="${w50.toFixed(1)}" height="10" fill="#2b6cb0"/>`);
    out.push(`<rect x="${x2}" y="${y + 15}" width="${w99.toFixed(1)}" height="10" fill="#e53e3e"/>`);
    out.push(`<text x="${(x2 + Math.max(w50, w99) + 4).toFixed(1)}" y="${y + 18}">${formatMs(row.p50 ?? 0)} / ${formatMs(row.p99 ?? 0)}</text>`);
  });
  out.push(`<text x="10" y="${height - 12}" fill="#666">${esc(`${r.machine.cpu}, ${r.machine.cpus} CPUs, load ${r.machine.loadavg1.toFixed(2)}, Node ${r.machine.node}`)}</text>`);
  out.push('</svg>');
  return out.join('\n') + '\n';
}
