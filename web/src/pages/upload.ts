import { api, ApiError } from '../api.js';
import { confirmDialog } from '../components/confirm-dialog.js';
import { messagePanel } from '../components/message-panel.js';
import { formError } from '../components/form-field.js';
import { progressBar } from '../components/progress-bar.js';
import { requireSignedIn } from '../components/sign-in-required.js';
import { showToast } from '../components/toast.js';
import { h, replaceChildren } from '../dom.js';
import { formatBytes } from '../format.js';
import { setTitle } from '../navigation.js';
import type { PageContext } from '../router.js';
import type { Video } from '../types.js';
import { detailsFields } from '../upload/details-form.js';
import { chosenFile, fileDrop, titleFromFileName } from '../upload/file-drop.js';
import { clearPendingUpload, isSameFile, loadPendingUpload, savePendingUpload, type PendingUpload } from '../upload/pending-upload.js';
import { createResumableUpload } from '../upload/resumable-upload.js';
import { createTransferRate, formatRate, formatTimeLeft } from '../upload/transfer-rate.js';
import { processingView } from '../upload/processing-view.js';

/**
 * Upload: pick or drop a file → title/description/visibility → resumable tus upload with
 * percent, speed and time left → transcoding progress → link to the watch page.
 * An interrupted upload (closed tab, reload) is offered for resuming on the next visit.
 */
export async function render({ outlet, signal, query }: PageContext): Promise<void> {
  setTitle('Upload');
  const user = await requireSignedIn(outlet, 'Upload a video', 'You need an account to upload videos.');
  if (!user || signal.aborted) return;
  const stage = h('div', { class: 'upload-stage' });
  outlet.append(h('div', { class: 'page page-medium', 'data-page': 'upload' }, h('h1', { class: 'page-title' }, 'Upload a video'), stage));

  function showPicker(): void {
    const pending = loadPendingUpload();
    replaceChildren(stage, pending && resumeBanner(pending), fileDrop(onFile));
  }

  /**
   * `/upload?video=ID` (My videos' "Choose file"): the file for a video created earlier whose
   * upload never happened, e.g. through the API, or in a browser that no longer remembers it.
   */
  async function showPickerFor(videoId: string): Promise<void> {
    let video: Video;
    try {
      video = await api.getVideo(videoId, signal);
    } catch (err) {
      if (signal.aborted) return;
      replaceChildren(stage, messagePanel({ tone: 'error', title: 'Could not find that video', body: (err as ApiError).message, actions: h('a', { href: '/me/videos', class: 'btn btn-secondary' }, 'Go to My videos') }));
      return;
    }
    if (signal.aborted) return;
    if (video.status !== 'awaiting_upload' || !video.uploadUrl) {
      replaceChildren(stage, messagePanel({ title: `“${video.title}” already has its file`, body: 'Upload another video, or see this one in My videos.', actions: [h('a', { href: '/upload', class: 'btn btn-primary' }, 'Upload a video'), h('a', { href: '/me/videos', class: 'btn btn-secondary' }, 'Go to My videos')] }));
      return;
    }
    const onChosen = (file: File) => {
      savePendingUpload({ videoId: video.id, title: video.title, fileName: file.name, sizeBytes: file.size, lastModified: file.lastModified, percent: 0 });
      startTransfer(file, video.id, video.title);
    };
    replaceChildren(stage, h('div', { class: 'resume-banner', role: 'status', 'data-testid': 'file-for-video' }, h('p', {}, h('strong', {}, `Choose the file for “${video.title}”. `), 'Its details are already saved; the upload starts as soon as you pick the file.')), fileDrop(onChosen));
  }

  function resumeBanner(pending: PendingUpload): HTMLElement {
    const discard = h('button', { type: 'button', class: 'btn btn-ghost btn-small' }, 'Discard');
    discard.addEventListener('click', async () => {
      clearPendingUpload();
      // The half-uploaded video would sit in My videos as "Waiting for upload": remove it.
      await api.deleteVideo(pending.videoId).catch((err: ApiError) => err.status !== 404 && showToast(err.message, 'error'));
      showPicker();
    });
    return h('div', { class: 'resume-banner', role: 'status', 'data-testid': 'resume-banner' },
      h('p', {}, h('strong', {}, 'Resume your upload? '),
        `“${pending.title}” (${pending.fileName}, ${formatBytes(pending.sizeBytes)}) stopped at ${Math.floor(pending.percent)}%. `,
        'Choose the same file again to continue where it left off.'),
      discard,
    );
  }

  function onFile(file: File): void {
    const pending = loadPendingUpload();
    if (pending && isSameFile(pending, file)) startTransfer(file, pending.videoId, pending.title);
    else showDetails(file);
  }

  function showDetails(file: File): void {
    const fields = detailsFields({ title: titleFromFileName(file.name) }, 'upload');
    const error = formError();
    const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Upload');
    const form = h('form', { class: 'upload-form card' }, chosenFile(file, showPicker), fields.elements, error.element, h('div', { class: 'form-actions' }, submit));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const details = fields.read();
      error.show(fields.problem());
      if (fields.problem()) return;
      submit.disabled = true;
      submit.textContent = 'Starting…';
      try {
        const video = await api.createVideo(details);
        savePendingUpload({ videoId: video.id, title: video.title, fileName: file.name, sizeBytes: file.size, lastModified: file.lastModified, percent: 0 });
        startTransfer(file, video.id, video.title);
      } catch (err) {
        error.show((err as ApiError).message);
        submit.disabled = false;
        submit.textContent = 'Upload';
      }
    });
    replaceChildren(stage, form);
    fields.title.focus();
    fields.title.select();
  }

  function startTransfer(file: File, videoId: string, title: string): void {
    const bar = progressBar('Upload progress', 'upload-progress');
    const rate = createTransferRate();
    const error = formError();
    const pause = h('button', { type: 'button', class: 'btn btn-secondary' }, 'Pause');
    const cancel = h('button', { type: 'button', class: 'btn btn-ghost' }, 'Cancel upload');
    let isPaused = false;
    let lastSavedPercent = 0;
    let lastPercent = 0;
    bar.set(0, 'Starting upload…');

    const upload = createResumableUpload({
      file,
      videoId,
      onProgress(sent, total) {
        const percent = total ? (sent / total) * 100 : 0;
        lastPercent = percent;
        const { bytesPerSec, secondsLeft } = rate.sample(sent, total);
        const parts = [`${Math.floor(percent)}%`, `${formatBytes(sent)} of ${formatBytes(total)}`];
        if (bytesPerSec) parts.push(formatRate(bytesPerSec));
        if (secondsLeft !== null && percent < 100) parts.push(formatTimeLeft(secondsLeft));
        bar.set(percent, parts.join(' · '));
        if (percent - lastSavedPercent >= 1) {
          lastSavedPercent = percent;
          savePendingUpload({ videoId, title, fileName: file.name, sizeBytes: file.size, lastModified: file.lastModified, percent });
        }
      },
      onSuccess() {
        clearPendingUpload();
        window.removeEventListener('beforeunload', warnBeforeLeaving);
        showProcessing(videoId, title);
      },
      onError(message) {
        isPaused = true;
        pause.textContent = 'Resume';
        error.show(message);
      },
    });

    pause.addEventListener('click', () => {
      isPaused = !isPaused;
      pause.textContent = isPaused ? 'Resume' : 'Pause';
      error.show(null);
      rate.reset();
      if (isPaused) {
        upload.pause();
        bar.set(lastPercent, `Paused at ${Math.floor(lastPercent)}%`);
      } else void upload.start();
    });
    cancel.addEventListener('click', async () => {
      const ok = await confirmDialog({ title: 'Cancel this upload?', body: `“${title}” will be removed. You can upload it again later.`, confirmLabel: 'Cancel upload', danger: true });
      if (!ok) return;
      upload.pause();
      clearPendingUpload();
      window.removeEventListener('beforeunload', warnBeforeLeaving);
      await api.deleteVideo(videoId).catch((err: ApiError) => showToast(err.message, 'error'));
      showPicker();
    });

    replaceChildren(stage,
      h('section', { class: 'card upload-status', 'aria-labelledby': 'upload-heading', 'data-testid': 'upload-status' },
        h('h2', { class: 'section-title', id: 'upload-heading' }, `Uploading “${title}”`),
        h('p', { class: 'muted' }, `${file.name} · ${formatBytes(file.size)}`),
        bar.element,
        error.element,
        h('div', { class: 'form-actions' }, pause, cancel),
      ),
    );
    window.addEventListener('beforeunload', warnBeforeLeaving);
    signal.addEventListener('abort', () => {
      // Leaving the page pauses; the resume banner offers to continue on the next visit.
      window.removeEventListener('beforeunload', warnBeforeLeaving);
      upload.pause();
    });
    upload.start().then(({ resumed }) => resumed && showToast('Resuming your earlier upload.')).catch((err: Error) => error.show(err.message));
  }

  function showProcessing(videoId: string, title: string): void {
    replaceChildren(stage, processingView(videoId, title, signal, () => showPicker()));
  }

  const forVideo = query.get('video');
  if (forVideo) await showPickerFor(forVideo);
  else showPicker();
}

function warnBeforeLeaving(event: BeforeUnloadEvent): void {
  // Browsers show their own wording; setting returnValue is what triggers the prompt.
  event.preventDefault();
  event.returnValue = '';
}
