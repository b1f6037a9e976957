import { h } from '../dom.js';
import type { Qoe } from '../types.js';
import { formatCount, formatKbps, formatMs, formatPercent, renditionBars, verdictOf, type Verdict } from './figures.js';

const VERDICT_TEXT: Record<Verdict, string> = { good: 'Good', fair: 'Fair', poor: 'Poor', none: 'No data' };

/** One figure: its name, value, a verdict chip and what it means. */
function tile(name: string, value: string, verdict: Verdict | null, hint: string, testId: string): HTMLElement {
  return h('div', { class: `qoe-tile${verdict ? ` verdict-${verdict}` : ''}`, 'data-testid': testId },
    h('div', { class: 'qoe-tile-head' }, h('span', { class: 'qoe-name' }, name), verdict && h('span', { class: 'qoe-chip' }, VERDICT_TEXT[verdict])),
    h('div', { class: 'qoe-value' }, value),
    h('p', { class: 'qoe-hint' }, hint),
  );
}

/** The share of playback time at each rendition, as one stacked bar with a legend. */
function renditionShare(qoe: Qoe): HTMLElement {
  const bars = renditionBars(qoe);
  if (bars.length === 0) return h('p', { class: 'muted' }, 'No rendition played yet.');
  const stack = h('div', { class: 'rung-stack', role: 'img', 'aria-label': bars.map((b) => `${b.label} ${formatPercent(b.percent)}`).join(', ') });
  const legend = h('ul', { class: 'rung-legend' });
  bars.forEach((bar, i) => {
    const part = h('span', { class: `rung-part rung-${i}` });
    // Widths through CSSOM: the CSP allows no style attributes.
    part.style.width = `${Math.max(0, Math.min(100, bar.percent))}%`;
    stack.append(part);
    legend.append(h('li', {}, h('span', { class: `rung-swatch rung-${i}`, 'aria-hidden': 'true' }), `${bar.label} `, h('strong', {}, formatPercent(bar.percent))));
  });
  return h('div', { class: 'rung-share' }, stack, legend);
}

/**
 * What viewers experienced, as Mux Data defines it: startup time (median and 95th percentile),
 * rebuffering, exits before start and failures, each with a verdict.
 */
export function experiencePanel(qoe: Qoe): HTMLElement {
  return h('div', { class: 'qoe-panel' },
    h('div', { class: 'qoe-grid' },
      tile('Startup time', formatMs(qoe.startupMsMedian), verdictOf('startup', qoe.startupMsMedian), `Median; 95 % of viewers started within ${formatMs(qoe.startupMsP95)}.`, 'qoe-startup'),
      tile('Rebuffering', formatPercent(qoe.rebufferPercent), verdictOf('rebuffer', qoe.rebufferPercent), `Of watch time spent stalled${qoe.rebufferCountPerSession !== null ? `; ${qoe.rebufferCountPerSession.toFixed(2)} stalls per view` : ''}.`, 'qoe-rebuffer'),
      tile('Exits before start', formatPercent(qoe.exitsBeforeStartPercent), verdictOf('exits', qoe.exitsBeforeStartPercent), 'Viewers who pressed play and left before the first frame.', 'qoe-exits'),
      tile('Playback failures', formatPercent(qoe.playbackFailurePercent), verdictOf('failures', qoe.playbackFailurePercent), 'Views ended by an error the player could not recover from.', 'qoe-failures'),
    ),
    h('p', { class: 'qoe-foot muted' }, `From ${formatCount(qoe.sessions)} viewing session${qoe.sessions === 1 ? '' : 's'}, measured in the viewers' players. Definitions: Mux Data.`),
  );
}

/** How the video reached viewers: bitrate, upscaling and the renditions played, weighted by time. */
export function deliveryPanel(qoe: Qoe): HTMLElement {
  return h('div', { class: 'qoe-panel' },
    h('div', { class: 'qoe-grid qoe-grid-two' },
      tile('Average bitrate', formatKbps(qoe.avgBitrateKbps), null, 'Of what was played, weighted by time.', 'qoe-bitrate'),
      tile('Upscaled', formatPercent(qoe.upscalePercent), null, 'Playback time at a rendition smaller than the player.', 'qoe-upscaled'),
    ),
    h('div', { class: 'qoe-renditions' }, h('h3', { class: 'qoe-subtitle' }, 'Renditions played'), renditionShare(qoe)),
  );
}
