import uPlot from 'uplot';
import type { Stats } from './api.ts';

const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#4b5563'];
const HEIGHT = 220;

export interface ChartData {
  environments: string[];
  data: uPlot.AlignedData;
}

/** Buckets from the API as one series per environment on a full minute grid (empty minutes are zero, not gaps). */
export function toChartData(stats: Stats): ChartData {
  const step = stats.bucket_seconds;
  const from = Math.floor(Date.parse(stats.from) / 1000 / step) * step;
  // The API's window may end in a minute that has not started yet; the chart stops at now.
  const to = Math.floor(Math.min(Date.parse(stats.to), Date.now()) / 1000 / step) * step;
  const xs: number[] = [];
  for (let t = from; t <= to; t += step) xs.push(t);
  const environments = [...new Set(stats.buckets.map((b) => b.environment))].sort();
  const series = environments.map(() => xs.map(() => 0));
  for (const bucket of stats.buckets) {
    const i = Math.round((Math.floor(Date.parse(bucket.start) / 1000) - from) / step);
    const e = environments.indexOf(bucket.environment);
    if (i >= 0 && i < xs.length && e >= 0) series[e]![i]! += bucket.count;
  }
  return { environments, data: [xs, ...series] };
}

/** Messages per minute per environment, drawn by uPlot; rebuilt only when the set of environments changes. */
export class RateChart {
  private plot: uPlot | undefined;
  private environments = '';

  constructor(private readonly host: HTMLElement) {
    new ResizeObserver(() => this.plot?.setSize({ width: this.width(), height: HEIGHT })).observe(host);
  }

  private width(): number {
    return Math.max(240, this.host.clientWidth);
  }

  update(chart: ChartData): void {
    const key = chart.environments.join(',');
    if (this.plot !== undefined && key === this.environments) {
      this.plot.setData(chart.data);
      return;
    }
    this.plot?.destroy();
    this.environments = key;
    this.plot = new uPlot(
      {
        width: this.width(),
        height: HEIGHT,
        scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
        axes: [{}, { label: 'per minute' }],
        series: [{}, ...chart.environments.map((name, i) => ({ label: name, stroke: PALETTE[i % PALETTE.length], width: 2, points: { show: false } }))],
      },
      chart.data,
      this.host,
    );
  }
}
