import { readFile } from 'node:fs/promises';

/**
 * CPU seconds (user + system) of this process's finished children (the ffmpeg runs of a bench),
 * from /proc/self/stat's cutime and cstime. The machine is shared, so wall time moves with other
 * people's load; CPU time barely does.
 */
export async function childCpuSec(): Promise<number> {
  const stat = await readFile('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) / 100; // USER_HZ is 100 on Linux
}
