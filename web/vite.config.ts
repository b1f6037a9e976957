import { fileURLToPath } from 'node:url';
import { readFileSync, writeFileSync } from 'node:fs';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { defineConfig, transformWithEsbuild, type Plugin, type Rollup } from 'vite';
import { PAGE_PATHS, pathRegex } from './src/page-paths.js';

/**
 * The browser app. `npm run build` (→ `vite build web`) writes it to dist/web, which the api
 * serves with an index.html fallback for client-side routes (see buildApi in src/app.ts).
 * `npx vite web` runs a dev server that proxies the API and media to a running Kinema
 * (KINEMA_URL, default http://127.0.0.1:8080).
 */
const root = fileURLToPath(new URL('.', import.meta.url));
const target = process.env.KINEMA_URL ?? 'http://127.0.0.1:8080';

/** The watch page's chunk files and the chunks they import (entry excluded), as URLs. */
function watchChunkUrls(bundle: Rollup.OutputBundle): string[] {
  const chunks = Object.values(bundle).flatMap((c) => (c.type === 'chunk' ? [c] : []));
  const byFile = new Map(chunks.map((c) => [c.fileName, c]));
  const watch = chunks.find((c) => c.facadeModuleId?.endsWith('/src/pages/watch.ts'));
  if (!watch) throw new Error('watch page chunk not found: was src/pages/watch.ts renamed?');
  const files = new Set<string>();
  const visit = (file: string) => {
    const chunk = byFile.get(file);
    if (!chunk || chunk.isEntry || files.has(file)) return;
    files.add(file);
    chunk.imports.forEach(visit);
  };
  visit(watch.fileName);
  return [...files].map((f) => `/${f}`);
}

/**
 * src/boot/*.ts as one script: their imports are type-only or of each other, so dropping the
 * import lines and concatenating leaves one self-contained module for esbuild to compile.
 */
function bootSource(): string {
  const files = ['fast-start.ts', 'mse-start.ts'];
  return files.map((f) => readFileSync(join(root, 'src/boot', f), 'utf8').replace(/^import .*;$/gm, '')).join('\n');
}

/**
 * Compiles src/boot/fast-start.ts (with boot/mse-start.ts) into a small script inlined in index.html, called with the
 * watch page's chunk URLs (to modulepreload them: hls.js then downloads in parallel with the
 * entry chunk, not after it) and the source of its warm-up Worker (the same file compiled with
 * the worker's entry call). bench/ttff measures what this buys.
 */
function inlineFastStart(): Plugin {
  return {
    name: 'kinema-inline-fast-start',
    transformIndexHtml: {
      order: 'post',
      async handler(html, ctx) {
        const chunks = ctx.bundle ? watchChunkUrls(ctx.bundle) : [];
        const source = bootSource();
        const compile = async (call: string) =>
          (await transformWithEsbuild(`${source}\n${call}`, 'fast-start.ts', { format: 'iife', minify: true, target: 'es2019' })).code.trim();
        const worker = await compile('runFastStartWorker();');
        const code = await compile(`bootFastStart(${JSON.stringify(chunks)}, ${JSON.stringify(worker)});`);
        return html.replace('/*FAST_START*/', code.trim());
      },
    },
  };
}

/**
 * dist/web/page-paths.json: the regexes of the app's pages, so the server answers 404 for any
 * other path (src/platform/http/web-app.ts) from the same list the router uses.
 */
function pagePathsFile(): Plugin {
  return {
    name: 'kinema-page-paths',
    generateBundle() {
      const sources = Object.values(PAGE_PATHS).map((p) => pathRegex(p).regex.source);
      this.emitFile({ type: 'asset', fileName: 'page-paths.json', source: JSON.stringify(sources) });
    },
  };
}

/** Text assets smaller than this gain too little from compression to be worth a second file. */
const PRECOMPRESS_MIN_BYTES = 1024;

/**
 * A `.br` and a `.gz` beside every script and stylesheet, compressed once at build time at the
 * highest levels (too slow per request, free here), which the api serves by Accept-Encoding
 * (@fastify/static `preCompressed`). The watch chunk is ~600 kB raw, ~170 kB brotli: on a
 * first visit over a slow link that is most of the time to the first frame.
 */
function precompress(): Plugin {
  return {
    name: 'kinema-precompress',
    // After the files are written: earlier, vite's own generateBundle steps have yet to rewrite
    // the chunks (its dynamic-import preload markers), and the copies would differ from the files.
    writeBundle(options, bundle) {
      for (const fileName of Object.keys(bundle)) {
        if (!/\.(js|css|svg|json)$/.test(fileName)) continue;
        const path = join(options.dir!, fileName);
        const bytes = readFileSync(path);
        if (bytes.length < PRECOMPRESS_MIN_BYTES) continue;
        writeFileSync(`${path}.br`, brotliCompressSync(bytes, { params: { [zlib.BROTLI_PARAM_QUALITY]: zlib.BROTLI_MAX_QUALITY, [zlib.BROTLI_PARAM_SIZE_HINT]: bytes.length } }));
        writeFileSync(`${path}.gz`, gzipSync(bytes, { level: 9 }));
      }
    },
  };
}

export default defineConfig({
  root,
  plugins: [inlineFastStart(), pagePathsFile(), precompress()],
  build: {
    outDir: '../dist/web',
    emptyOutDir: true,
    target: 'es2022',
    // hls.js alone is ~520 kB minified; it lives in the watch page's chunk, loaded only there.
    chunkSizeWarningLimit: 640,
  },
  server: {
    proxy: { '/api': target, '/media': target },
  },
});
