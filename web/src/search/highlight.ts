import { h } from '../dom.js';

/**
 * Which parts of a title (or description) the words of a search match, for <mark>ing them.
 * Loose on purpose, like the server's matching: case and accents are folded ("amelie" marks
 * "Amélie"), and a word marks the start of any word in the text ("vol" marks "Volcano").
 * Typo matches the server also finds ("harbor" → "Harbour") are marked by their common start.
 */

/** Lower case without accents, one entry per code point of the text with where it came from. */
function fold(text: string): { folded: string; origin: number[] } {
  let folded = '';
  const origin: number[] = [];
  let index = 0;
  for (const char of text) {
    const plain = char.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
    for (let i = 0; i < plain.length; i++) origin.push(index);
    folded += plain;
    index += char.length;
  }
  origin.push(index);
  return { folded, origin };
}

const WORD = /[\p{L}\p{N}]+/gu;

/** The words of a query, folded, longest first (so "time" does not cut "timelapse" short). */
export function queryTerms(query: string): string[] {
  const words = fold(query).folded.match(WORD) ?? [];
  return [...new Set(words)].sort((a, b) => b.length - a.length);
}

/**
 * [start, end) ranges of `text` (UTF-16 offsets, in order) where a word of `query` begins a
 * word, and that start is marked ("vol" marks "Vol" of "Volcano"). A term of 4+ letters that differs from a word
 * only near its end (a typo the server forgives: "harbor" for "Harbour") marks the whole word.
 * @example matchRanges('Harbour time-lapse', 'harbor time') // [[0, 7], [8, 12]]
 */
export function matchRanges(text: string, query: string): [number, number][] {
  const terms = queryTerms(query);
  if (terms.length === 0 || !text) return [];
  const { folded, origin } = fold(text);
  const ranges: [number, number][] = [];
  for (const word of folded.matchAll(WORD)) {
    const start = word.index;
    let best = 0;
    for (const term of terms) best = Math.max(best, matchedLength(word[0], term));
    if (best > 0) ranges.push([origin[start]!, origin[start + best]!]);
  }
  return ranges;
}

/** How much of `word` to mark for `term`: the prefix it types, the whole word for a near miss, or 0. */
function matchedLength(word: string, term: string): number {
  if (word.startsWith(term)) return term.length;
  if (term.length < 4) return 0;
  let n = 0;
  while (n < word.length && n < term.length && word[n] === term[n]) n++;
  // All but the last letter or two agree: "harbor" against "harbour", "timelaps" in "timelapse".
  return n >= term.length - (term.length >= 6 ? 2 : 1) ? word.length : 0;
}

/** Text nodes with the matches wrapped in <mark>: built from nodes, never from HTML. */
export function highlighted(text: string, query: string): (string | HTMLElement)[] {
  const out: (string | HTMLElement)[] = [];
  let at = 0;
  for (const [start, end] of matchRanges(text, query)) {
    if (start > at) out.push(text.slice(at, start));
    out.push(h('mark', { class: 'match' }, text.slice(start, end)));
    at = end;
  }
  if (at < text.length) out.push(text.slice(at));
  return out;
}

/**
 * About `length` characters of a long text, around the first match if there is one, cut at
 * word boundaries with "…" where it was cut: the line under a search result.
 * @example snippet('… long intro … the harbour at dawn …', 'harbour', 40)
 */
export function snippet(text: string, query: string, length = 160): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= length) return flat;
  const first = matchRanges(flat, query)[0]?.[0] ?? 0;
  let start = Math.max(0, first - Math.floor(length / 3));
  if (start > 0) {
    const space = flat.indexOf(' ', start);
    start = space >= 0 && space < first ? space + 1 : start;
  }
  let end = Math.min(flat.length, start + length);
  if (end < flat.length) {
    const space = flat.lastIndexOf(' ', end);
    if (space > Math.max(start, first)) end = space;
  }
  return `${start > 0 ? '…' : ''}${flat.slice(start, end)}${end < flat.length ? '…' : ''}`;
}
