import type { Upload } from './trace.js';

/**
 * The worker fleet against a day of uploads, second by second. Autoscaled: what KEDA and the HPA
 * do with deploy/kubernetes/worker-scaledobject.yaml (poll every 15 s; desired = the larger of
 * waiting / 10 and running / 1; scale-up at most max(2×, +4) per 15 s, the HPA's default;
 * scale-down to the highest desire of the last 5 minutes, at most half the pods a minute). Fixed:
 * `fixed` workers all day.
 */
export interface FleetPolicy {
  kind: 'autoscaled' | 'fixed';
  fixed?: number;
  minReplicas?: number;
  maxReplicas?: number;
  waitingPerWorker?: number;
  pollSec?: number;
  /** From the replica count going up to the pod taking jobs: a spot node, image pull, start. */
  podStartSec: number;
  /** SHUTDOWN_GRACE_SEC: a removed pod's job finishes if it can within this, else goes back. */
  shutdownGraceSec: number;
}

export interface Job extends Upload {
  /** Encode time on one worker, seconds. */
  workSec: number;
}

export interface FleetResult {
  waitsSec: number[];
  workerSec: number;
  peakWorkers: number;
  interrupted: number;
  /** Worker seconds spent on attempts that a scale-down interrupted. */
  lostSec: number;
}

interface Pod {
  createdSec: number;
  readyAtSec: number;
  job?: { job: Job; endSec: number; startSec: number };
}

export function simulateFleet(jobs: Job[], p: FleetPolicy, horizonSec: number): FleetResult {
  const queue: Job[] = [];
  const pods: Pod[] = [];
  const waitsSec: number[] = [];
  let next = 0;
  let workerSec = 0;
  let peakWorkers = 0;
  let interrupted = 0;
  let lostSec = 0;
  const desiredHistory: { atSec: number; desired: number }[] = [];
  let lastScaleDownSec = -Infinity;
  const addPods = (n: number, now: number, startSec: number) => {
    for (let i = 0; i < n; i++) pods.push({ createdSec: now, readyAtSec: now + startSec });
  };
  if (p.kind === 'fixed') addPods(p.fixed!, 0, 0);
  else addPods(p.minReplicas ?? 1, 0, 0);

  for (let now = 0; now < horizonSec || queue.length || pods.some((x) => x.job) || next < jobs.length; now++) {
    while (next < jobs.length && jobs[next]!.atSec <= now) queue.push(jobs[next++]!);
    for (const pod of pods) {
      if (pod.job && pod.job.endSec <= now) pod.job = undefined;
      if (!pod.job && pod.readyAtSec <= now && queue.length) {
        const job = queue.shift()!;
        waitsSec.push(now - job.atSec);
        pod.job = { job, startSec: now, endSec: now + job.workSec };
      }
    }
    if (p.kind === 'autoscaled' && now % (p.pollSec ?? 15) === 0) {
      const running = pods.filter((x) => x.job).length;
      const want = Math.max(Math.ceil(queue.length / (p.waitingPerWorker ?? 10)), running);
      const desired = Math.min(p.maxReplicas ?? 100, Math.max(p.minReplicas ?? 1, want));
      desiredHistory.push({ atSec: now, desired });
      while (desiredHistory[0]!.atSec < now - 300) desiredHistory.shift();
      const current = pods.length;
      if (desired > current) {
        addPods(Math.min(desired, Math.max(2 * current, current + 4)) - current, now, p.podStartSec);
      } else {
        const target = Math.max(...desiredHistory.map((d) => d.desired));
        if (target < current && now - lastScaleDownSec >= 60) {
          lastScaleDownSec = now;
          const remove = Math.min(current - target, Math.max(1, Math.floor(current / 2)));
          // The ReplicaSet removes pods that are not ready first, then the youngest: it does not
          // know which ones are encoding.
          const order = [...pods].sort((a, b) => Number(a.readyAtSec <= now) - Number(b.readyAtSec <= now) || b.createdSec - a.createdSec);
          for (const pod of order.slice(0, remove)) {
            pods.splice(pods.indexOf(pod), 1);
            let endSec = now;
            if (pod.job) {
              if (pod.job.endSec <= now + p.shutdownGraceSec) endSec = pod.job.endSec;
              else {
                // Handed back without using a try; the work done so far is lost.
                interrupted++;
                lostSec += now + p.shutdownGraceSec - pod.job.startSec;
                waitsSec.splice(waitsSec.lastIndexOf(pod.job.startSec - pod.job.job.atSec), 1);
                queue.unshift(pod.job.job);
                endSec = now + p.shutdownGraceSec;
              }
            }
            workerSec += endSec - pod.createdSec;
          }
        }
      }
    }
    peakWorkers = Math.max(peakWorkers, pods.length);
    if (now > 4 * horizonSec) throw new Error('the fleet never caught up with the queue');
  }
  const endSec = Math.max(horizonSec, ...pods.map((x) => x.job?.endSec ?? 0));
  for (const pod of pods) workerSec += Math.max(horizonSec, endSec) - pod.createdSec;
  return { waitsSec, workerSec, peakWorkers, interrupted, lostSec };
}

/** Workers a fixed fleet needs to keep up with the busiest 15 minutes of the day. */
export function peakFleetSize(jobs: Job[], windowSec = 900): number {
  const work = new Map<number, number>();
  for (const j of jobs) {
    const w = Math.floor(j.atSec / windowSec);
    work.set(w, (work.get(w) ?? 0) + j.workSec);
  }
  return Math.ceil(Math.max(...work.values()) / windowSec);
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}
