import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { formatCount } from './figures.js';

/**
 * The dashboard's charts, drawn by uPlot on canvas: no inline styles or scripts, so they run
 * under the site's Content-Security-Policy as is (uPlot sizes its elements through CSSOM, which
 * CSP allows). Colours are the theme's (styles/app.css); each chart follows its box's width.
 */

const THEME = {
  accent: '#ff5a4e',
  accentFill: 'rgba(255, 90, 78, 0.72)',
  blue: '#7cc4ff',
  axis: '#a3aab8',
  grid: 'rgba(163, 170, 184, 0.14)',
  font: '12px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
};
const HEIGHT = 260;

function axis(extra: Partial<uPlot.Axis> = {}): uPlot.Axis {
  return { stroke: THEME.axis, font: THEME.font, grid: { stroke: THEME.grid, width: 1 }, ticks: { stroke: THEME.grid, width: 1, size: 4 }, ...extra };
}

/** Mounts `opts` into `box`, resizing with it, destroyed when `signal` aborts. */
function mount(box: HTMLElement, opts: Omit<uPlot.Options, 'width' | 'height'>, data: uPlot.AlignedData, signal: AbortSignal): uPlot {
  const width = () => Math.max(240, Math.floor(box.clientWidth));
  const chart = new uPlot({ ...opts, width: width(), height: HEIGHT }, data, box);
  const observer = new ResizeObserver(() => {
    if (Math.abs(chart.width - width()) > 1) chart.setSize({ width: width(), height: HEIGHT });
  });
  observer.observe(box);
  signal.addEventListener('abort', () => {
    observer.disconnect();
    chart.destroy();
  });
  return chart;
}

/** Views per day as bars, watch time (hours) as a line on its own axis. */
export function timelineChart(box: HTMLElement, data: [number[], number[], number[]], signal: AbortSignal): uPlot {
  const bars = uPlot.paths.bars!({ size: [0.65, 36], gap: 2 });
  const upFromZero = (_u: uPlot, _min: number, max: number): uPlot.Range.MinMax => [0, Math.max(1, Math.ceil(max * 1.15))];
  return mount(box, {
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
    cursor: { drag: { x: false, y: false }, points: { size: 7 } },
    scales: { x: { time: true }, views: { range: upFromZero }, hours: { range: (_u, _min, max) => [0, Math.max(0.1, max * 1.15)] } },
    axes: [
      axis({ space: 70 }),
      axis({ scale: 'views', values: (_u, splits) => splits.map((v) => (Number.isInteger(v) ? formatCount(v) : '')) }),
      axis({ scale: 'hours', side: 1, grid: { show: false }, values: (_u, splits) => splits.map((v) => `${+v.toFixed(2)} h`) }),
    ],
    series: [
      { value: '{YYYY}-{MM}-{DD}' },
      { label: 'Views', scale: 'views', stroke: THEME.accent, fill: THEME.accentFill, width: 0, paths: bars, points: { show: false } },
      { label: 'Watch time', scale: 'hours', stroke: THEME.blue, width: 2.5, points: { show: true, size: 5, fill: THEME.blue, stroke: THEME.blue }, value: (_u, v) => (v === null ? '–' : `${v} h`) },
    ],
  }, data, signal);
}

/**
 * The audience curve: share of viewers still watching at each point of the video, as a filled
 * area. `xLabel` turns a percentage of the video into its tick text (a time for one video).
 */
export function retentionChart(box: HTMLElement, data: [number[], number[]], xLabel: (percent: number) => string, signal: AbortSignal): uPlot {
  const gradient = (u: uPlot) => {
    const g = u.ctx.createLinearGradient(0, u.bbox.top, 0, u.bbox.top + u.bbox.height);
    g.addColorStop(0, 'rgba(255, 90, 78, 0.45)');
    g.addColorStop(1, 'rgba(255, 90, 78, 0.02)');
    return g;
  };
  return mount(box, {
    cursor: { drag: { x: false, y: false }, points: { size: 7 } },
    scales: { x: { time: false, range: [0, 100] }, y: { range: [0, 100] } },
    axes: [
      axis({ values: (_u, splits) => splits.map(xLabel) }),
      axis({ values: (_u, splits) => splits.map((v) => `${v} %`) }),
    ],
    series: [
      { value: (_u, v) => (v === null ? '–' : xLabel(v)) },
      { label: 'Still watching', stroke: THEME.accent, width: 2.5, fill: gradient, points: { show: false }, value: (_u, v) => (v === null ? '–' : `${+v.toFixed(1)} %`) },
    ],
  }, data, signal);
}

/** The instance's QoE per hour: median startup time (line) and rebuffer percentage (bars). */
export function qoeTimelineChart(box: HTMLElement, data: [number[], (number | null)[], (number | null)[]], signal: AbortSignal): uPlot {
  const bars = uPlot.paths.bars!({ size: [0.6, 24], gap: 1 });
  return mount(box, {
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
    cursor: { drag: { x: false, y: false }, points: { size: 7 } },
    scales: { x: { time: true }, ms: { range: (_u, _min, max) => [0, Math.max(500, max * 1.15)] }, pct: { range: (_u, _min, max) => [0, Math.max(1, max * 1.15)] } },
    axes: [
      axis({ space: 80 }),
      axis({ scale: 'ms', values: (_u, splits) => splits.map((v) => (v >= 1000 ? `${+(v / 1000).toFixed(1)} s` : `${Math.round(v)} ms`)) }),
      axis({ scale: 'pct', side: 1, grid: { show: false }, values: (_u, splits) => splits.map((v) => `${+v.toFixed(1)} %`) }),
    ],
    series: [
      { value: '{YYYY}-{MM}-{DD} {HH}:00' },
      { label: 'Rebuffering', scale: 'pct', stroke: THEME.accent, fill: THEME.accentFill, width: 0, paths: bars, points: { show: false }, value: (_u, v) => (v === null ? '–' : `${+v.toFixed(2)} %`) },
      { label: 'Startup (median)', scale: 'ms', stroke: THEME.blue, width: 2.5, spanGaps: true, points: { show: true, size: 5, fill: THEME.blue, stroke: THEME.blue }, value: (_u, v) => (v === null ? '–' : `${Math.round(v)} ms`) },
    ],
  }, data, signal);
}
