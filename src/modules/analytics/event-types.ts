import type { SessionQoe } from './qoe.js';

/** A player's watch beacon (engagement writes it; rollups read it). */
export const BEACON_EVENT = 'beacon';
/** A view counted by the view rule (engagement writes it in the beacon's batch). */
export const VIEW_EVENT = 'view';

/** What is stored of a beacon (events.props). */
export interface BeaconProps {
  pos: number;
  /** The played ranges, merged and clipped to the video's duration. */
  played: Array<[number, number]>;
  /** Seconds covered by `played`. */
  u: number;
  state?: string;
  /** The session's running QoE totals, as the player sent them. */
  qoe?: SessionQoe;
  browser: string;
  /** The media host (the edge) that served the session. */
  edge: string;
  /** Sent by a bot or link unfurler: kept for operators, excluded from views and QoE. */
  bot?: true;
  /** Sent by the video's owner: no view. */
  owner?: true;
}
