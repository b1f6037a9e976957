import { api, type ApiError } from '../api.js';
import { messagePanel } from '../components/message-panel.js';
import { requireSignedIn } from '../components/sign-in-required.js';
import { h, replaceChildren } from '../dom.js';
import { setTitle } from '../navigation.js';
import type { PageContext } from '../router.js';
import type { AdminQoe, Qoe } from '../types.js';
import { delay } from '../upload/wait-until-processed.js';
import { formatCount, formatKbps, formatMs, formatPercent, verdictOf } from '../analytics/figures.js';
import { deliveryPanel, experiencePanel } from '../analytics/qoe-panel.js';
import { periodPicker, watchingNowPill } from '../analytics/dashboard-parts.js';

const LIVE_POLL_MS = 15_000;

/**
 * The instance's quality of experience for admins: the overall figures, the same by browser,
 * by rung and by edge (the MEDIA_BASE_URL host that served the session), per hour, and how many
 * viewers are watching right now.
 */
export async function render({ query, outlet, signal }: PageContext): Promise<void> {
  setTitle('Playback quality');
  const user = await requireSignedIn(outlet, 'Playback quality', 'Log in as an admin to see how playback goes across the instance.');
  if (!user || signal.aborted) return;
  let days = [7, 28, 90].includes(Number(query.get('days'))) ? Number(query.get('days')) : 7;
  const live = watchingNowPill();
  const body = h('div', { class: 'dash-body', 'aria-busy': 'true' }, h('p', { class: 'muted' }, 'Loading…'));
  const picker = periodPicker(days, (d) => {
    days = d;
    history.replaceState(null, '', `${location.pathname}?days=${d}`);
    void load();
  });
  outlet.append(h('div', { class: 'page dashboard', 'data-page': 'admin-qoe' },
    h('div', { class: 'dash-head' },
      h('div', { class: 'dash-title' }, h('h1', { class: 'page-title' }, 'Playback quality'), h('p', { class: 'dash-subtitle muted' }, 'Every viewer of this instance, as their players measured it.')),
      h('div', { class: 'dash-controls' }, live.element, picker),
    ),
    body,
  ));
  let charts: AbortController | undefined;

  async function load(): Promise<void> {
    charts?.abort();
    charts = new AbortController();
    const mine = charts;
    signal.addEventListener('abort', () => mine.abort(), { once: true });
    body.setAttribute('aria-busy', 'true');
    try {
      const q = await api.adminQoe(days, signal);
      if (signal.aborted || mine.signal.aborted) return;
      body.removeAttribute('aria-busy');
      live.set(q.concurrentViewers);
      if (q.overall.sessions === 0) {
        replaceChildren(body, messagePanel({ title: `No playback in the last ${days} days`, body: 'Figures appear here within a minute of someone watching.' }));
        return;
      }
      const chartBox = h('div', { class: 'chart-box', 'data-testid': 'qoe-timeline-chart' });
      replaceChildren(body, h('div', { class: 'dash-grid' },
        section('Playback quality', 'All sessions of the period.', experiencePanel(q.overall), 'dash-wide'),
        section('Per hour', 'Bars: rebuffering; line: median startup time (UTC hours).', chartBox),
        section('Delivery', 'How the streams reached viewers.', deliveryPanel(q.overall)),
        section('By browser', 'From each viewer\'s User-Agent.', breakdown(q.byBrowser.map((r) => ({ key: String(r.browser), qoe: r }))), 'dash-wide'),
        section('By rung', 'The rendition each session spent most time at.', breakdown(q.byRung.map((r) => ({ key: `${String(r.height)}p`, qoe: r }))), 'dash-wide'),
        section('By edge', 'The media host that served each session.', breakdown(q.byEdge.map((r) => ({ key: String(r.edge), qoe: r }))), 'dash-wide'),
      ));
      const { qoeTimelineChart } = await import('../analytics/charts.js');
      const nowSec = Date.now() / 1000;
      if (!mine.signal.aborted) qoeTimelineChart(chartBox, hourly(q.timeline), { fromSec: nowSec - days * 86_400, toSec: nowSec }, mine.signal);
    } catch (err) {
      if (signal.aborted || mine.signal.aborted) return;
      body.removeAttribute('aria-busy');
      const error = err as ApiError;
      replaceChildren(body, error.status === 403
        ? messagePanel({ tone: 'error', title: 'For admins only', body: 'The instance\'s playback figures are shown to its admins. Your own videos\' figures are in your channel analytics.', actions: h('a', { href: '/me/analytics', class: 'btn btn-secondary' }, 'Channel analytics') })
        : messagePanel({ tone: 'error', title: 'Could not load the figures', body: error.message, onRetry: () => void load() }));
    }
  }

  await load();
  while (!signal.aborted) {
    await delay(LIVE_POLL_MS, signal);
    if (signal.aborted || document.visibilityState !== 'visible') continue;
    const fresh = await api.adminQoe(days, signal).catch(() => null);
    if (fresh && !signal.aborted) live.set(fresh.concurrentViewers);
  }
}

function section(title: string, hint: string, content: Node, extraClass = ''): HTMLElement {
  return h('section', { class: `dash-card ${extraClass}` }, h('h2', { class: 'dash-card-title' }, title), h('p', { class: 'dash-card-hint muted' }, hint), content);
}

function hourly(timeline: AdminQoe['timeline']): [number[], (number | null)[], (number | null)[]] {
  // The schema's per-key helper leaves `hour` untyped; it is an ISO date-time.
  const rows = timeline.map((r) => ({ ...r, at: Date.parse(String(r.hour)) / 1000 })).sort((a, b) => a.at - b.at);
  return [rows.map((r) => r.at), rows.map((r) => r.rebufferPercent), rows.map((r) => r.startupMsMedian)];
}

/** One row per browser / rung / edge with the figures side by side, worst rebuffering first. */
function breakdown(rows: { key: string; qoe: Qoe }[]): HTMLElement {
  if (rows.length === 0) return h('p', { class: 'muted' }, 'No sessions.');
  const sorted = [...rows].sort((a, b) => (b.qoe.rebufferPercent ?? -1) - (a.qoe.rebufferPercent ?? -1));
  const cell = (text: string, verdict?: string) => h('td', { class: `num${verdict ? ` verdict-text-${verdict}` : ''}` }, text);
  return h('div', { class: 'table-scroll' }, h('table', { class: 'top-videos qoe-table' },
    h('thead', {}, h('tr', {}, ['', 'Sessions', 'Startup', 'p95', 'Rebuffering', 'Exits', 'Failures', 'Bitrate'].map((t, i) => h('th', { scope: 'col', class: i ? 'num' : null }, t)))),
    h('tbody', {}, sorted.map(({ key, qoe }) => h('tr', {},
      h('th', { scope: 'row' }, key),
      cell(formatCount(qoe.sessions)),
      cell(formatMs(qoe.startupMsMedian), verdictOf('startup', qoe.startupMsMedian)),
      cell(formatMs(qoe.startupMsP95)),
      cell(formatPercent(qoe.rebufferPercent), verdictOf('rebuffer', qoe.rebufferPercent)),
      cell(formatPercent(qoe.exitsBeforeStartPercent), verdictOf('exits', qoe.exitsBeforeStartPercent)),
      cell(formatPercent(qoe.playbackFailurePercent), verdictOf('failures', qoe.playbackFailurePercent)),
      cell(formatKbps(qoe.avgBitrateKbps)),
    ))),
  ));
}
