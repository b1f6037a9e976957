import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { formatCount } from './figures.js';

/**
 * The dashboard's charts, drawn by uPlot on canvas: no inline styles or scripts, so they run
 * under the site's Content-Security-Policy as is (uPlot, and the tooltip below, position their
 * elements through CSSOM, which CSP allows). Colours are the theme's (styles/app.css); each
 * chart follows its box's width.
 */

const THEME = {
  accent: '#ff5a4e',
  accentFill: 'rgba(255, 90, 78, 0.78)',
  blue: '#7cc4ff',
  axis: '#a3aab8',
  grid: 'rgba(163, 170, 184, 0.12)',
  font: '12px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
};
const HEIGHT = 280;
const DAY_SEC = 86_400;
const dayFormat = new Intl.DateTimeFormat('en', { month: 'short', day: 'numeric', timeZone: 'UTC' });
const hourFormat = new Intl.DateTimeFormat('en', { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: 'UTC' });

function axis(extra: Partial<uPlot.Axis> = {}): uPlot.Axis {
  return { stroke: THEME.axis, font: THEME.font, grid: { stroke: THEME.grid, width: 1 }, ticks: { show: false }, gap: 6, ...extra };
}

/** A row of the tooltip: the series' colour, its label and the hovered value as text. */
interface TooltipRow {
  color: string;
  label: string;
  text(index: number): string;
}

/**
 * A tooltip following the cursor with the hovered point's values (uPlot's own legend shows them
 * below the chart, far from the eye). Built from text nodes only.
 */
function tooltip(title: (index: number) => string, rows: TooltipRow[]): uPlot.Plugin {
  let box: HTMLDivElement;
  return {
    hooks: {
      init: (u) => {
        box = document.createElement('div');
        box.className = 'chart-tooltip';
        box.hidden = true;
        u.over.appendChild(box);
        u.over.addEventListener('mouseleave', () => (box.hidden = true));
      },
      setCursor: (u) => {
        const i = u.cursor.idx;
        if (i === null || i === undefined || u.cursor.left === undefined || u.cursor.left < 0) {
          box.hidden = true;
          return;
        }
        const head = document.createElement('strong');
        head.textContent = title(i);
        box.replaceChildren(head, ...rows.map((row) => {
          const line = document.createElement('span');
          const swatch = document.createElement('i');
          swatch.style.background = row.color;
          line.append(swatch, `${row.label}: `, Object.assign(document.createElement('b'), { textContent: row.text(i) }));
          return line;
        }));
        box.hidden = false;
        // Beside the cursor, flipped to its left past the middle so it never leaves the chart.
        const left = u.cursor.left;
        const flip = left > u.over.clientWidth / 2;
        box.style.left = `${flip ? left - box.offsetWidth - 14 : left + 14}px`;
        box.style.top = `${Math.max(0, Math.min((u.cursor.top ?? 0) - box.offsetHeight / 2, u.over.clientHeight - box.offsetHeight))}px`;
      },
    },
  };
}

/** Mounts `opts` into `box`, resizing with it, destroyed when `signal` aborts. */
function mount(box: HTMLElement, opts: Omit<uPlot.Options, 'width' | 'height'>, data: uPlot.AlignedData, signal: AbortSignal): uPlot {
  const width = () => Math.max(240, Math.floor(box.clientWidth));
  const chart = new uPlot({ legend: { show: false }, ...opts, width: width(), height: HEIGHT }, data, box);
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

/** Day ticks ("Nov 26") at whole days, at most one per ~70 px. */
const dayAxis = () => axis({
  space: 70,
  incrs: [DAY_SEC, 2 * DAY_SEC, 7 * DAY_SEC, 14 * DAY_SEC, 28 * DAY_SEC],
  values: (_u, splits) => splits.map((s) => dayFormat.format(new Date(s * 1000))),
});

/** Half a day of room on each side, so the first and last bars are whole. */
const padDays = (_u: uPlot, min: number, max: number): uPlot.Range.MinMax => [min - DAY_SEC / 2, max + DAY_SEC / 2];

/** Views per day as bars, watch time (hours) as a line on its own axis. */
export function timelineChart(box: HTMLElement, data: [number[], number[], number[]], signal: AbortSignal): uPlot {
  const bars = uPlot.paths.bars!({ size: [0.62, 40], gap: 2, radius: 0.15 });
  return mount(box, {
    cursor: { drag: { x: false, y: false }, points: { size: 8, fill: THEME.blue } },
    scales: {
      x: { time: true, range: padDays },
      views: { range: (_u, _min, max) => [0, Math.max(4, Math.ceil(max * 1.2))] },
      hours: { range: (_u, _min, max) => [0, Math.max(0.1, max * 1.2)] },
    },
    axes: [
      dayAxis(),
      axis({ scale: 'views', size: 48, values: (_u, splits) => splits.map((v) => (Number.isInteger(v) ? formatCount(v) : '')) }),
      axis({ scale: 'hours', side: 1, size: 56, grid: { show: false }, values: (_u, splits) => splits.map((v) => `${+v.toFixed(2)} h`) }),
    ],
    series: [
      {},
      { label: 'Views', scale: 'views', stroke: THEME.accent, fill: THEME.accentFill, width: 0, paths: bars, points: { show: false } },
      // Dots on a week; on longer periods they would crowd the line.
      { label: 'Watch time', scale: 'hours', stroke: THEME.blue, width: 2.5, points: { show: data[0].length <= 14, size: 6, fill: '#0f1115', stroke: THEME.blue, width: 2 } },
    ],
    plugins: [tooltip((i) => dayFormat.format(new Date((data[0][i] ?? 0) * 1000)), [
      { color: THEME.accent, label: 'Views', text: (i) => formatCount(data[1][i] ?? 0) },
      { color: THEME.blue, label: 'Watch time', text: (i) => `${data[2][i] ?? 0} h` },
    ])],
  }, data, signal);
}

/**
 * The audience curve: share of viewers still watching at each point of the video, as a filled
 * area. `xLabel` turns a percentage of the video into its tick text (a time for one video).
 */
export function retentionChart(box: HTMLElement, data: [number[], number[]], xLabel: (percent: number) => string, signal: AbortSignal): uPlot {
  const gradient = (u: uPlot) => {
    // Asked for before the first layout too, when the plot box is not measured yet.
    if (!Number.isFinite(u.bbox?.top) || !Number.isFinite(u.bbox?.height)) return 'rgba(255, 90, 78, 0.2)';
    const g = u.ctx.createLinearGradient(0, u.bbox.top, 0, u.bbox.top + u.bbox.height);
    g.addColorStop(0, 'rgba(255, 90, 78, 0.5)');
    g.addColorStop(1, 'rgba(255, 90, 78, 0.03)');
    return g;
  };
  return mount(box, {
    cursor: { drag: { x: false, y: false }, points: { size: 8, fill: THEME.accent } },
    scales: { x: { time: false, range: [0, 100] }, y: { range: [0, 100] } },
    axes: [
      axis({ space: 60, incrs: [5, 10, 20, 25, 50], values: (_u, splits) => splits.map(xLabel) }),
      axis({ size: 48, incrs: [10, 20, 25, 50], values: (_u, splits) => splits.map((v) => `${v} %`) }),
    ],
    series: [
      {},
      { label: 'Still watching', stroke: THEME.accent, width: 2.5, fill: gradient, points: { show: false } },
    ],
    plugins: [tooltip((i) => `At ${xLabel(data[0][i] ?? 0)}`, [
      { color: THEME.accent, label: 'Still watching', text: (i) => `${+(data[1][i] ?? 0).toFixed(1)} %` },
    ])],
  }, data, signal);
}

/**
 * The instance's QoE per hour: median startup time (line) and rebuffer percentage (bars), over
 * the whole period `[fromSec, toSec]` (a fixed range: hours without sessions stay visible, and a
 * period with a single hour of data still has an axis).
 */
export function qoeTimelineChart(box: HTMLElement, data: [number[], (number | null)[], (number | null)[]], period: { fromSec: number; toSec: number }, signal: AbortSignal): uPlot {
  const bars = uPlot.paths.bars!({ size: [0.6, 24], gap: 1, radius: 0.15 });
  const ms = (v: number) => (v >= 1000 ? `${+(v / 1000).toFixed(2)} s` : `${Math.round(v)} ms`);
  return mount(box, {
    cursor: { drag: { x: false, y: false }, points: { size: 8, fill: THEME.blue } },
    scales: {
      x: { time: true, range: () => [period.fromSec, period.toSec] },
      ms: { range: (_u, _min, max) => [0, Math.max(500, (max ?? 0) * 1.2)] },
      pct: { range: (_u, _min, max) => [0, Math.max(1, (max ?? 0) * 1.2)] },
    },
    axes: [
      period.toSec - period.fromSec > 2 * DAY_SEC ? dayAxis() : axis({ space: 90, values: (_u, splits) => splits.map((s) => hourFormat.format(new Date(s * 1000))) }),
      axis({ scale: 'ms', size: 60, values: (_u, splits) => splits.map(ms) }),
      axis({ scale: 'pct', side: 1, size: 56, grid: { show: false }, values: (_u, splits) => splits.map((v) => `${+v.toFixed(1)} %`) }),
    ],
    series: [
      {},
      { label: 'Rebuffering', scale: 'pct', stroke: THEME.accent, fill: THEME.accentFill, width: 0, paths: bars, points: { show: false } },
      { label: 'Startup (median)', scale: 'ms', stroke: THEME.blue, width: 2.5, spanGaps: true, points: { show: true, size: 6, fill: '#0f1115', stroke: THEME.blue, width: 2 } },
    ],
    plugins: [tooltip((i) => `${hourFormat.format(new Date((data[0][i] ?? 0) * 1000))} UTC`, [
      { color: THEME.accent, label: 'Rebuffering', text: (i) => (data[1][i] === null ? '–' : `${+(data[1][i] ?? 0).toFixed(2)} %`) },
      { color: THEME.blue, label: 'Startup (median)', text: (i) => (data[2][i] == null ? '–' : ms(data[2][i]!)) },
    ])],
  }, data, signal);
}
