/**
 * The content types of the encoding benches (content.ts, codecs.ts) as lavfi graphs with one
 * video output `[v]`: a slide deck, a talking head-like scene, and high motion with noise.
 */
export interface ContentType {
  label: string;
  graph: string;
}

/** The graphs at `w`x`h` and `fps` frames per second. */
export function contentTypes(w: number, h: number, fps: number): Record<string, ContentType> {
  return {
    slides: {
      label: 'slide deck',
      graph: `testsrc2=size=${w}x${h}:rate=1/3,fps=${fps},format=yuv420p[v]`,
    },
    talking: {
      label: 'talking head',
      graph:
        `gradients=size=${w}x${h}:rate=${fps}:speed=0.00001:seed=7[bg0];mandelbrot=size=${w}x${h}:rate=${fps}:start_scale=0.5:end_scale=0.5[m0];` +
        `[bg0][m0]blend=all_mode=average[bg];mandelbrot=size=${Math.round(w / 3)}x${(h * 2) / 3}:rate=${fps}:start_scale=1.5:end_scale=0.3[face];` +
        `[bg][face]overlay=x=${Math.round(w / 3)}:y=${h / 6},noise=alls=4:allf=t,format=yuv420p[v]`,
    },
    motion: {
      label: 'high motion + noise',
      graph:
        `testsrc2=size=${w}x${h}:rate=${fps}[t];mandelbrot=size=${w}x${h}:rate=${fps}[m];` +
        `[t][m]blend=all_mode=average,noise=alls=14:allf=t+u,format=yuv420p[v]`,
    },
  };
}

/** ffmpeg arguments that render `graph` for `durationSec` into a near-lossless H.264 source at `path`. */
export function sourceArgs(graph: string, durationSec: number, fps: number, path: string): string[] {
  return ['-v', 'error', '-filter_complex', graph, '-map', '[v]', '-t', String(durationSec), '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '8', '-g', String(fps * 2), path];
}
