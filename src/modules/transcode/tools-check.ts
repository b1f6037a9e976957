import { spawnSync } from 'node:child_process';

/**
 * Throws a one-line, actionable error when ffmpeg or ffprobe cannot run, so a worker refuses to
 * start rather than failing every job it takes with "spawn ffmpeg ENOENT".
 */
export function assertTranscodeToolsAvailable(): void {
  for (const tool of ['ffmpeg', 'ffprobe']) {
    const r = spawnSync(tool, ['-version'], { stdio: 'ignore' });
    if (r.error || r.status !== 0) {
      throw new Error(`${tool} is not installed or not on PATH; workers need it (Debian/Ubuntu: apt-get install ffmpeg).`);
    }
  }
}
