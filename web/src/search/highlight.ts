import { h } from '../dom.js';

/**
 * Which parts of a title (or description) the words of a search match, for <mark>ing them.
 * Loose on purpose, like the server's matching: case and accents are folded ("amelie" marks
 * "Amélie"), and a word marks the start of any word in the text ("timel" marks "Time-lapse").
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
 * [start, end) ranges of `text` (UTF-16 offsets, merged, in order) where a word of `query`
 * begins a word. A term matches in full, or, for 4+ letters, by its first len-1 letters (a typo
 * in the last letter: "timelaps" still marks "timelapse").
 * @example matchRanges('Harbour time-lapse', 'harbor timel') // [[0, 5], [8, 13]]
 */
export function matchRanges(text: string, query: string): [number, number][] {
  const terms = queryTerms(query);
  if (terms.length === 0 || !text) return [];
  const { folded, origin } = fold(text);
  const ranges: [number, number][] = [];
  for (const word of folded.matchAll(WORD)) {
    const start = word.index;
    let best = 0;
    for (const term of terms) best = Math.max(best, commonStart(word[0], term));
    if (best > 0) ranges.push([origin[start]!, origin[start + best]!]);
  }
  return ranges;
}

/** How much of `word`'s start `term` covers: all of term, or its start when it is a long word with a typo. */
function commonStart(word: string, term: string): number {
  if (word.startsWith(term)) return term.length;
  if (term.length < 4) return 0;
  let n = 0;
  while (n < word.length && n < term.length && word[n] === term[n]) n++;
  // Most of the term agrees: "harbor" against "harbour" (5 of 6), "timelaps" in "timelapse".
  return n >= Math.max(3, term.length - 2) ? n : 0;
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
