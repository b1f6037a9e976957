/**
 * What the upload page remembers across a reload: which video an unfinished upload belongs to,
 * and which file it was. tus-js-client keeps the upload URL itself (by file fingerprint); this
 * record lets the page say "Resume 'holiday.mp4' (45%)?" and reuse the same video.
 * Browsers cannot reopen a file after a reload, so the person picks it again.
 */
export interface PendingUpload {
  videoId: string;
  title: string;
  fileName: string;
  sizeBytes: number;
  lastModified: number;
  percent: number;
  savedAt: number;
}

const KEY = 'kinema.pendingUpload';
/** The server expires unfinished uploads; an older record would only offer a dead resume. */
const MAX_AGE_MS = 24 * 3600 * 1000;

export function loadPendingUpload(): PendingUpload | null {
  try {
    const record = JSON.parse(localStorage.getItem(KEY) ?? 'null') as PendingUpload | null;
    if (!record || Date.now() - record.savedAt > MAX_AGE_MS) return null;
    return record;
  } catch {
    // Unreadable or blocked storage: behave as if nothing is pending.
    return null;
  }
}

export function savePendingUpload(record: Omit<PendingUpload, 'savedAt'>): void {
  try {
    localStorage.setItem(KEY, JSON.stringify({ ...record, savedAt: Date.now() }));
  } catch {
    // Storage full or disabled (private mode): the upload works, it just cannot be resumed after a reload.
  }
}

export function clearPendingUpload(): void {
  try {
    localStorage.removeItem(KEY);
  } catch {
    // Storage disabled: nothing was saved either.
  }
}

export function isSameFile(record: PendingUpload, file: File): boolean {
  return record.fileName === file.name && record.sizeBytes === file.size && record.lastModified === file.lastModified;
}
