import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redactUrlCredentials } from './log-redaction.js';

const SIG = 'Xy-z_0123456789abcdefghijklmnopqrstuvwxyzAB'; // 43 base64url characters

test('removes the signature of a signed media path and keeps its expiry and the file', () => {
  assert.equal(
    redactUrlCredentials(`{"url":"/media/s/1767225600.${SIG}/AbCdEfGhIjK/v1/720p/seg_00001.m4s?x=1"}`),
    '{"url":"/media/s/1767225600.REDACTED/AbCdEfGhIjK/v1/720p/seg_00001.m4s?x=1"}',
  );
});

test('removes a malformed token too, and every occurrence in a line (messages, stacks)', () => {
  const line = `GET http://edge/media/s/${SIG}/a/b in "/media/s/garbage" and /media/s/12.${SIG}`;
  const out = redactUrlCredentials(line);
  assert.ok(!out.includes(SIG));
  assert.ok(!out.includes('garbage'));
  assert.equal(out, 'GET http://edge/media/s/REDACTED/a/b in "/media/s/REDACTED" and /media/s/12.REDACTED');
});

test('leaves public media paths and other text alone', () => {
  const line = '{"url":"/media/AbCdEfGhIjK/v1/master.m3u8","msg":"ok"}';
  assert.equal(redactUrlCredentials(line), line);
});
