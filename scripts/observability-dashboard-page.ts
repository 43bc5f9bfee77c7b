export interface RenderedPanel {
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  unit: string;
  series: { name: string; points: [number, number][] }[];
}

const COLUMN_PX = 1600 / 24;
const ROW_PX = 30;

/** JSON inside a <script> element: "<" escaped, so no value can end the element. */
const scriptJson = (value: unknown): string => JSON.stringify(value).replace(/</g, '\\u003c');

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** One HTML page drawing the panels as Grafana lays them out: uPlot time series, big numbers for stats, headings for rows. */
export function buildPage(title: string, panels: RenderedPanel[], uplot: { js: string; css: string }, subtitle: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>${uplot.css}
body { margin: 0; background: #111217; color: #ccccdc; font: 13px system-ui, sans-serif; }
header { padding: 10px 14px; } header h1 { margin: 0; font-size: 18px; color: #fff; } header p { margin: 2px 0 0; color: #8e8e9e; }
#grid { position: relative; width: 1600px; }
.panel { position: absolute; box-sizing: border-box; padding: 4px; }
.panel > div.box { background: #181b1f; border: 1px solid #2c3235; border-radius: 3px; height: 100%; box-sizing: border-box; padding: 6px 8px; overflow: hidden; }
.panel h2 { margin: 0 0 4px; font-size: 13px; font-weight: 500; color: #fff; }
.row h2 { font-size: 15px; margin: 8px 0 0 6px; color: #fff; }
.stat { font-size: 64px; color: #73bf69; text-align: center; margin-top: 40px; }
.empty { color: #8e8e9e; margin-top: 60px; text-align: center; }
.uplot, .u-legend { font-size: 11px; color: #ccccdc; } .u-legend .u-marker { width: 10px; height: 3px; }
</style></head><body>
<header><h1>${escapeHtml(title)}</h1><p>${escapeHtml(subtitle)}</p></header><div id="grid"></div>
<script>${uplot.js}</script>
<script>
const panels = ${scriptJson(panels)};
const COLORS = ['#73bf69', '#f2cc0c', '#8ab8ff', '#ff780a', '#f2495c', '#5794f2', '#b877d9', '#37872d', '#fade2a', '#c4162a'];
const grid = document.getElementById('grid');
let bottom = 0;
function format(unit, v) {
  if (v == null || !isFinite(v)) return '';
  if (unit === 'percentunit') return (v * 100).toFixed(v < 0.01 ? 2 : 1) + '%';
  if (unit === 's') return v < 1 ? (v * 1000).toFixed(v < 0.01 ? 1 : 0) + ' ms' : v.toFixed(2) + ' s';
  if (unit === 'reqps') return v.toFixed(v < 10 ? 2 : 0) + ' req/s';
  return Math.abs(v) >= 1000 ? (v / 1000).toFixed(1) + 'k' : (Math.abs(v) < 10 ? +v.toFixed(2) : v.toFixed(0)) + '';
}
for (const p of panels) {
  const el = document.createElement('div');
  el.className = 'panel' + (p.type === 'row' ? ' row' : '');
  Object.assign(el.style, { left: p.gridPos.x * ${COLUMN_PX} + 'px', top: p.gridPos.y * ${ROW_PX} + 'px', width: p.gridPos.w * ${COLUMN_PX} + 'px', height: p.gridPos.h * ${ROW_PX} + 'px' });
  bottom = Math.max(bottom, (p.gridPos.y + p.gridPos.h) * ${ROW_PX});
  grid.appendChild(el);
  const title = document.createElement('h2');
  title.textContent = p.title;
  if (p.type === 'row') { el.appendChild(title); continue; }
  const box = document.createElement('div');
  box.className = 'box';
  box.appendChild(title);
  el.appendChild(box);
  if (p.series.length === 0) { const e = document.createElement('div'); e.className = 'empty'; e.textContent = 'No data'; box.appendChild(e); continue; }
  if (p.type === 'stat') {
    const last = p.series[0].points.at(-1);
    const s = document.createElement('div'); s.className = 'stat'; s.textContent = format(p.unit, last ? last[1] : NaN); box.appendChild(s); continue;
  }
  const times = [...new Set(p.series.flatMap((s) => s.points.map((pt) => pt[0])))].sort((a, b) => a - b);
  const data = [times, ...p.series.map((s) => { const m = new Map(s.points); return times.map((t) => (m.has(t) && isFinite(m.get(t)) ? m.get(t) : null)); })];
  const width = p.gridPos.w * ${COLUMN_PX} - 26;
  const height = p.gridPos.h * ${ROW_PX} - 50 - 16 * Math.ceil(p.series.length / Math.max(1, Math.floor(width / 190)));
  new uPlot({
    width, height: Math.max(90, height),
    legend: { live: false },
    cursor: { show: false },
    scales: { y: { range: (u, min, max) => [0, max > 0 ? max * 1.1 : 1] } },
    axes: [
      { stroke: '#8e8e9e', grid: { stroke: '#2c3235' }, ticks: { stroke: '#2c3235' }, values: (u, vals) => vals.map((v) => new Date(v * 1000).toISOString().slice(11, 19)) },
      { stroke: '#8e8e9e', grid: { stroke: '#2c3235' }, ticks: { stroke: '#2c3235' }, size: 84, values: (u, vals) => vals.map((v) => format(p.unit, v)) },
    ],
    series: [{}, ...p.series.map((s, i) => ({ label: s.name, stroke: COLORS[i % COLORS.length], width: 1.5, spanGaps: false, points: { show: false } }))],
  }, data, box);
}
grid.style.height = bottom + 'px';
window.rendered = true;
</script></body></html>`;
}
