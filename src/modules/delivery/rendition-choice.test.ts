import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readClientHints, recommendRendition, type ClientHints } from './rendition-choice.js';

// A ladder like the planner's for a 1080p source; bandwidths include audio.
const LADDER = [
  { label: '1080p', width: 1920, height: 1080, bandwidthBps: 6_000_000 },
  { label: '720p', width: 1280, height: 720, bandwidthBps: 3_500_000 },
  { label: '480p', width: 854, height: 480, bandwidthBps: 1_500_000 },
  { label: '360p', width: 640, height: 360, bandwidthBps: 900_000 },
  { label: '240p', width: 426, height: 240, bandwidthBps: 450_000 },
];
const desktop: ClientHints = { isMobile: false, saveData: false };
const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';
const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36';

describe('recommendRendition', () => {
  test('a desktop with nothing known starts at 1080p; a phone starts at 480p', () => {
    assert.equal(recommendRendition(LADDER, desktop), '1080p');
    assert.equal(recommendRendition(LADDER, { ...desktop, isMobile: true }), '480p');
  });

  test('Save-Data picks the lowest rung whatever else is known', () => {
    assert.equal(recommendRendition(LADDER, { ...desktop, saveData: true, bandwidthBps: 100_000_000 }), '240p');
  });

  test('?bandwidth picks the highest rung within 70 % of it', () => {
    assert.equal(recommendRendition(LADDER, { ...desktop, bandwidthBps: 5_000_000 }), '720p'); // 3.5 M ≤ 3.5 M
    assert.equal(recommendRendition(LADDER, { ...desktop, bandwidthBps: 4_999_999 }), '480p');
    assert.equal(recommendRendition(LADDER, { ...desktop, bandwidthBps: 20_000_000 }), '1080p');
  });

  test('a link too slow for any rung still gets the lowest one', () => {
    assert.equal(recommendRendition(LADDER, { ...desktop, bandwidthBps: 1000 }), '240p');
  });

  test('Downlink and ECT cap the start; the lower estimate wins; 4g does not cap', () => {
    assert.equal(recommendRendition(LADDER, { ...desktop, downlinkMbps: 2 }), '360p'); // 1.4 M budget
    assert.equal(recommendRendition(LADDER, { ...desktop, ect: '3g' }), '240p'); // 490 k budget
    assert.equal(recommendRendition(LADDER, { ...desktop, ect: '2g' }), '240p');
    assert.equal(recommendRendition(LADDER, { ...desktop, ect: '4g' }), '1080p');
    assert.equal(recommendRendition(LADDER, { ...desktop, ect: '4g', downlinkMbps: 6 }), '720p');
    assert.equal(recommendRendition(LADDER, { ...desktop, ect: '3g', downlinkMbps: 10 }), '240p');
  });

  test('an explicit ?bandwidth beats the browser estimate, but a phone stays capped at 480p', () => {
    assert.equal(recommendRendition(LADDER, { ...desktop, ect: '2g', bandwidthBps: 8_000_000 }), '720p');
    assert.equal(recommendRendition(LADDER, { ...desktop, isMobile: true, bandwidthBps: 50_000_000 }), '480p');
  });

  test('portrait rungs are capped by their short side; order of input does not matter', () => {
    const portrait = [
      { label: '480p', width: 480, height: 854, bandwidthBps: 1_500_000 },
      { label: '720p', width: 720, height: 1280, bandwidthBps: 3_500_000 },
    ];
    assert.equal(recommendRendition(portrait, { ...desktop, isMobile: true }), '480p');
    assert.equal(recommendRendition(portrait, desktop), '720p');
  });

  test('no rungs, no recommendation', () => {
    assert.equal(recommendRendition([], desktop), undefined);
  });
});

describe('readClientHints', () => {
  test('reads User-Agent, Save-Data, Downlink, ECT and ?bandwidth', () => {
    assert.deepEqual(readClientHints({ 'user-agent': IPHONE, 'save-data': 'on', downlink: '1.45', ect: '3G' }, { bandwidth: 800_000 }), {
      isMobile: true, saveData: true, downlinkMbps: 1.45, ect: '3g', bandwidthBps: 800_000,
    });
    assert.deepEqual(readClientHints({ 'user-agent': CHROME }), { isMobile: false, saveData: false, downlinkMbps: undefined, ect: undefined, bandwidthBps: undefined });
  });

  test('Sec-CH-UA-Mobile overrides the User-Agent guess; an Android tablet is not a phone', () => {
    assert.equal(readClientHints({ 'user-agent': CHROME, 'sec-ch-ua-mobile': '?1' }).isMobile, true);
    assert.equal(readClientHints({ 'user-agent': IPHONE, 'sec-ch-ua-mobile': '?0' }).isMobile, false);
    assert.equal(readClientHints({ 'user-agent': 'Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 Chrome/124.0 Safari/537.36' }).isMobile, false);
    assert.equal(readClientHints({ 'user-agent': 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/124.0 Mobile Safari/537.36' }).isMobile, true);
  });

  test('garbage hints are ignored, not trusted', () => {
    const h = readClientHints({ downlink: 'fast', ect: '5g', 'save-data': 'yes please' });
    assert.equal(h.downlinkMbps, undefined);
    assert.equal(h.ect, undefined);
    assert.equal(h.saveData, false);
    assert.equal(readClientHints({ downlink: '0' }).downlinkMbps, undefined);
  });
});
