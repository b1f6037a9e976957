/**
 * The Kinema side of bench/origin: one api process on the embedded engines with a published public
 * video whose seg_00001.m4s is --segment-kb of random bytes. Prints one JSON line, serves until killed.
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { signUp, startTestApp } from '../../test/support/app.js';
import { createVideo, publishLadder } from '../../test/support/delivery.js';

const { values } = parseArgs({ options: { 'segment-kb': { type: 'string', default: '300' } } });
const app = await startTestApp();
const creator = await signUp(app, 'creator');
const id = await createVideo(app, creator.token, 'public');
const { prefix } = await publishLadder(app, id);
const play = await app.api('GET', `/api/v1/videos/${id}/play`);
const rung = play.body.renditions[0].url as string; // /media/{id}/{version}/{rung}/index.m3u8
const segmentPath = rung.replace(/index\.m3u8$/, 'seg_00001.m4s');
const sizeBytes = Number(values['segment-kb']) * 1024;
const objectsDir = join(app.dataDir, 'objects');
// Overwritten in place (not through the store): the bench wants a segment of a known size.
await writeFile(join(objectsDir, segmentPath.slice(1)), randomBytes(sizeBytes));
if (!segmentPath.startsWith(`/${prefix}`)) throw new Error(`unexpected media path ${segmentPath}`);

console.log(JSON.stringify({ url: app.url, pid: process.pid, objectsDir, segmentPath, sizeBytes }));
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
