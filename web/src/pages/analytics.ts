import { api, type ApiError } from '../api.js';
import { messagePanel } from '../components/message-panel.js';
import { requireSignedIn } from '../components/sign-in-required.js';
import { h, replaceChildren, type Child } from '../dom.js';
import { formatDuration } from '../format.js';
import { setTitle } from '../navigation.js';
import type { PageContext } from '../router.js';
import type { ChannelAnalytics, Video, VideoAnalytics } from '../types.js';
import { delay } from '../upload/wait-until-processed.js';
import { formatCount, formatWatchTime, hasFigures, retentionSeries, timelineSeries } from '../analytics/figures.js';
import { deliveryPanel, experiencePanel } from '../analytics/qoe-panel.js';
import { periodPicker, PERIODS, watchingNowPill } from '../analytics/dashboard-parts.js';

/** How often "watching now" is asked again (a viewer counts for 30 s after their last beacon). */
const LIVE_POLL_MS = 15_000;

/**
 * The creator dashboard: for one video (`/me/analytics/:id`) or the whole channel
 * (`/me/analytics`): views and watch time per day, the audience retention curve, quality of
 * experience, a live "watching now" counter and, for the channel, the top videos.
 */
export async function render({ params, query, outlet, signal }: PageContext): Promise<void> {
  const videoId = params.id;
  setTitle(videoId ? 'Video analytics' : 'Channel analytics');
  const user = await requireSignedIn(outlet, 'Analytics', 'Log in to see how your videos are watched.');
  if (!user || signal.aborted) return;

  let days = PERIODS.includes(Number(query.get('days'))) ? Number(query.get('days')) : 28;
  const title = h('h1', { class: 'page-title' }, videoId ? 'Video analytics' : 'Channel analytics');
  const subtitle = h('p', { class: 'dash-subtitle muted' }, videoId
    ? h('a', { href: '/me/analytics' }, '← Channel overview')
    : [`Everything uploaded by ${user.username}`, user.role === 'admin' && [' · ', h('a', { href: '/admin/qoe' }, 'Playback quality across the instance')]]);
  const live = watchingNowPill();
  const picker = periodPicker(days, (d) => {
    days = d;
    history.replaceState(null, '', `${location.pathname}?days=${d}`);
    void load();
  });
  const body = h('div', { class: 'dash-body' });
  outlet.append(h('div', { class: 'page dashboard', 'data-page': 'analytics' },
    h('div', { class: 'dash-head' },
      h('div', { class: 'dash-title' }, title, subtitle),
      h('div', { class: 'dash-controls' }, live.element, picker),
    ),
    body,
  ));

  if (videoId) {
    void api.getVideo(videoId, signal).then((video) => showVideoHead(video), () => undefined);
  }
  function showVideoHead(video: Video): void {
    if (signal.aborted) return;
    setTitle(`Analytics: ${video.title}`);
    replaceChildren(title, video.title);
    replaceChildren(subtitle,
      h('a', { href: '/me/analytics' }, '← Channel overview'), ' · ',
      h('a', { href: `/watch/${video.id}` }, 'Watch'), ` · ${formatDuration(video.duration)} long`,
    );
  }

  const fetchFigures = (s: AbortSignal): Promise<VideoAnalytics | ChannelAnalytics> => (videoId ? api.videoAnalytics(videoId, days, s) : api.channelAnalytics(days, s));
  let loadCount = 0;

  let previousCharts: AbortController | undefined;

  async function load(): Promise<void> {
    const mine = ++loadCount;
    body.setAttribute('aria-busy', 'true');
    replaceChildren(body, skeleton());
    // The charts of the period shown so far go with it; each load draws with its own signal.
    previousCharts?.abort();
    const charts = new AbortController();
    previousCharts = charts;
    signal.addEventListener('abort', () => charts.abort(), { once: true });
    try {
      const figures = await fetchFigures(signal);
      if (signal.aborted || mine !== loadCount) return charts.abort();
      body.removeAttribute('aria-busy');
      live.set(figures.watchingNow);
      replaceChildren(body, ...(await dashboard(figures, charts.signal)));
      drawCharts();
    } catch (err) {
      charts.abort();
      if (signal.aborted || mine !== loadCount) return;
      body.removeAttribute('aria-busy');
      const error = err as ApiError;
      const title = error.status === 403 || error.status === 404 ? 'These figures are not yours to see' : 'Could not load the figures';
      const text = error.status === 403 || error.status === 404 ? 'Analytics are shown to a video\'s creator and to admins. Check the link, or open your channel overview.' : error.message;
      replaceChildren(body, messagePanel({ tone: 'error', title, body: text, onRetry: error.isRetryable ? () => void load() : undefined, actions: videoId ? h('a', { href: '/me/analytics', class: 'btn btn-secondary' }, 'Channel overview') : undefined }));
    }
  }

  /** Charts need their box in the document to measure it; they are drawn right after it is. */
  let drawPending: { box: HTMLElement; draw: () => void }[] = [];
  function drawCharts(): void {
    for (const { box, draw } of drawPending) {
      try {
        draw();
      } catch (err) {
        // One chart that cannot draw leaves the others and the figures on the page.
        console.error(err);
        replaceChildren(box, h('p', { class: 'muted chart-empty' }, 'This chart could not be drawn in this browser.'));
      }
    }
    drawPending = [];
  }

  async function dashboard(a: VideoAnalytics | ChannelAnalytics, chartSignal: AbortSignal): Promise<Child[]> {
    const kpis = h('div', { class: 'kpi-grid' },
      kpi('Views', formatCount(a.views), `in the last ${days} days`, 'kpi-views'),
      kpi('Watch time', formatWatchTime(a.watchTimeSec), 'hours watched, all viewers', 'kpi-watch-time'),
      kpi('Average view', a.avgViewDurationSec === null ? '–' : formatDuration(a.avgViewDurationSec), 'watch time per view', 'kpi-avg-view'),
      kpi('Likes', formatCount(a.likes), 'dislikes are never shown', 'kpi-likes'),
    );
    if (!hasFigures(a)) {
      return [kpis, messagePanel({
        title: `No views in the last ${days} days`,
        body: videoId ? 'Share the link: figures appear here within a minute of someone watching.' : 'Once people watch your videos, views, watch time, retention and playback quality appear here.',
        actions: videoId ? h('a', { href: `/watch/${videoId}`, class: 'btn btn-primary' }, 'Open the video') : h('a', { href: '/upload', class: 'btn btn-primary' }, 'Upload a video'),
      })];
    }
    // uPlot loads with the first chart (its own chunk), not with the app.
    const chartsModule = await import('../analytics/charts.js');
    const timelineBox = h('div', { class: 'chart-box', 'data-testid': 'timeline-chart' });
    const retentionBox = h('div', { class: 'chart-box', 'data-testid': 'retention-chart' });
    const duration = 'topVideos' in a ? null : await videoDuration();
    const xLabel = (p: number) => (duration ? formatDuration((duration * p) / 100) : `${Math.round(p)} %`);
    drawPending.push({ box: timelineBox, draw: () => chartsModule.timelineChart(timelineBox, timelineSeries(a.timeline), chartSignal) });
    if (a.retention.length > 0) drawPending.push({ box: retentionBox, draw: () => chartsModule.retentionChart(retentionBox, retentionSeries(a.retention), xLabel, chartSignal) });
    return [
      kpis,
      h('div', { class: 'dash-grid' },
        card('Views and watch time', 'Per day (UTC). Bars: views; line: hours watched.', timelineBox, 'dash-wide'),
        card('Audience retention', `Share of viewers still watching at each point of ${'topVideos' in a ? 'your videos' : 'the video'}.`,
          a.retention.length > 0 ? retentionBox : h('p', { class: 'muted chart-empty' }, 'topVideos' in a ? 'Retention is drawn for one video at a time: open one from Top videos.' : 'Not enough plays yet to draw the curve.')),
        card('Delivery', 'How the streams reached viewers.', deliveryPanel(a.qoe)),
        card('Playback quality', 'What viewers experienced.', experiencePanel(a.qoe), 'dash-wide'),
        'topVideos' in a && a.topVideos.length > 0 && card('Top videos', `Most views in the last ${days} days.`, topVideos(a.topVideos), 'dash-wide'),
      ),
      a.updatedThrough && h('p', { class: 'dash-foot muted' }, `Views are live. Other figures include viewing up to ${new Date(a.updatedThrough).toLocaleString()} (refreshed every minute).`),
    ];
  }

  let durationSec: Promise<number | null> | undefined;
  function videoDuration(): Promise<number | null> {
    durationSec ??= videoId ? api.getVideo(videoId, signal).then((v) => v.duration, () => null) : Promise.resolve(null);
    return durationSec;
  }

  await load();
  // "Watching now": a light poll of the same answer while the page is open and visible.
  while (!signal.aborted) {
    await delay(LIVE_POLL_MS, signal);
    if (signal.aborted || document.visibilityState !== 'visible') continue;
    const fresh = await fetchFigures(signal).catch(() => null);
    if (fresh && !signal.aborted) live.set(fresh.watchingNow);
  }
}

function kpi(name: string, value: string, hint: string, testId: string): HTMLElement {
  return h('div', { class: 'kpi', 'data-testid': testId }, h('span', { class: 'kpi-name' }, name), h('span', { class: 'kpi-value' }, value), h('span', { class: 'kpi-hint' }, hint));
}

function card(title: string, hint: string, content: Node, extraClass = ''): HTMLElement {
  return h('section', { class: `dash-card ${extraClass}` }, h('h2', { class: 'dash-card-title' }, title), h('p', { class: 'dash-card-hint muted' }, hint), content);
}

function topVideos(items: ChannelAnalytics['topVideos']): HTMLElement {
  return h('div', { class: 'table-scroll' }, h('table', { class: 'top-videos' },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Video'), h('th', { scope: 'col', class: 'num' }, 'Views'), h('th', { scope: 'col', class: 'num' }, 'Watch time'))),
    h('tbody', {}, items.map((v) => h('tr', {},
      h('td', {}, h('a', { href: `/me/analytics/${v.id}` }, v.title)),
      h('td', { class: 'num' }, formatCount(v.views)),
      h('td', { class: 'num' }, formatWatchTime(v.watchTimeSec)),
    ))),
  ));
}

function skeleton(): HTMLElement {
  return h('div', { class: 'dash-skeleton', 'aria-hidden': 'true' },
    h('div', { class: 'kpi-grid' }, Array.from({ length: 4 }, () => h('div', { class: 'kpi skeleton-block' }))),
    h('div', { class: 'dash-grid' }, h('div', { class: 'dash-card dash-wide skeleton-block skeleton-chart' }), h('div', { class: 'dash-card skeleton-block skeleton-chart' }), h('div', { class: 'dash-card skeleton-block skeleton-chart' })),
  );
}
