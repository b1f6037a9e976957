import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchRanges, queryTerms, snippet } from '../web/src/search/highlight.js';
import { parseTags, tagSearchPath, tagsProblem } from '../web/src/upload/tags.js';
import { readSearchParams, searchPath } from '../web/src/pages/search.js';

const marked = (text: string, q: string) => matchRanges(text, q).map(([a, b]) => text.slice(a, b));

test('search marks: word starts, any case, accents folded both ways', () => {
  assert.deepEqual(marked('Harbour time-lapse at dawn', 'harbour time'), ['Harbour', 'time']);
  assert.deepEqual(marked('Volcano eruption', 'volcano erup'), ['Volcano', 'erup']);
  assert.deepEqual(marked('Le fabuleux destin d’Amélie Poulain', 'amelie'), ['Amélie']);
  assert.deepEqual(marked('Cafe society', 'café'), ['Cafe']);
  // Inside a word is not a match (the server matches words, not substrings).
  assert.deepEqual(marked('Seaside', 'side'), []);
  assert.deepEqual(marked('', 'x'), []);
  assert.deepEqual(marked('Anything', '  !! '), []);
});

test('search marks: a typo the server forgives marks the whole word; a short word must match exactly', () => {
  assert.deepEqual(marked('Harbour lights', 'harbor'), ['Harbour']);
  assert.deepEqual(marked('A timelapse', 'timelapes'), ['timelapse']);
  // Still being typed: the typed start is what is marked.
  assert.deepEqual(marked('A timelapse', 'timelaps'), ['timelaps']);
  assert.deepEqual(marked('The cat', 'cet'), []);
});

test('search marks: offsets stay right around characters that fold to another length', () => {
  const text = '🎬 Ça İstanbul çay';
  assert.deepEqual(marked(text, 'ca istanbul cay'), ['Ça', 'İstanbul', 'çay']);
  assert.deepEqual(queryTerms('The  the, THE'), ['the']);
});

test('a snippet of a long description starts near the first match, cut at words', () => {
  const long = `${'Intro words here. '.repeat(20)}Then the harbour at dawn, ${'and more after. '.repeat(20)}`;
  const s = snippet(long, 'harbour', 80);
  assert.ok(s.startsWith('…') && s.endsWith('…'), s);
  assert.ok(s.includes('harbour at dawn'), s);
  assert.ok(s.length <= 82, `${s.length}`);
  assert.equal(snippet('Short one.', 'x'), 'Short one.');
});

test('tags as typed: commas, # and case; limits said in words', () => {
  assert.deepEqual(parseTags('Harbour, #timelapse , sea,, harbour,  Night  Sky '), ['harbour', 'timelapse', 'sea', 'night sky']);
  assert.deepEqual(parseTags('  '), []);
  assert.equal(tagsProblem(['a', 'b']), null);
  assert.match(tagsProblem(Array.from({ length: 21 }, (_, i) => `t${i}`)) ?? '', /Up to 20 tags: remove 1/);
  assert.match(tagsProblem(['x'.repeat(41)]) ?? '', /up to 40 characters/);
  assert.equal(tagSearchPath('night sky'), '/search?q=%23night%20sky');
});

test('the results page reads only filter values the API accepts, and writes them back', () => {
  const p = readSearchParams(new URLSearchParams('q= harbour &duration=long&uploaded=decade&sort=views'));
  assert.deepEqual(p, { q: 'harbour', duration: 'long', uploaded: undefined, sort: 'views' });
  assert.equal(searchPath(p), '/search?q=harbour&duration=long&sort=views');
  assert.equal(searchPath({ q: 'a&b', sort: 'relevance' }), '/search?q=a%26b');
});

test('home shows Trending only when it adds to Newest: not on an instance whose every video is already on screen', async () => {
  const { addsToNewest } = await import('../web/src/pages/home.js');
  const v = (id: string) => ({ id }) as unknown as import('../web/src/types.js').Video;
  const newest = { items: [v('a'), v('b'), v('c')], nextCursor: null };
  assert.equal(addsToNewest([v('b'), v('a')], newest), false, 'the same cards twice');
  assert.equal(addsToNewest([], newest), false);
  assert.equal(addsToNewest([v('z')], newest), true, 'a video Newest does not show');
  assert.equal(addsToNewest([v('a')], { ...newest, nextCursor: 'more' }), true, 'a catalogue larger than one screen');
});
