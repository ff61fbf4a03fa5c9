/**
 * Builds a browser page (web/staff, web/agent) with esbuild, in memory, on first request, and
 * keeps it for the life of the process: no build step at install, nothing written to disk,
 * nothing fetched at run time. The servers (gateway, agent) import only this file from web/.
 *
 * A page is its folder's index.html, main.tsx (with the CSS it imports) bundled into one
 * script and one stylesheet; the HTML names them by content hash so a browser never runs a
 * stale script after an upgrade, and the assets can be cached for a long time.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export type PageName = 'staff' | 'agent';

export interface PageAssets {
  /** index.html with %BASE%, %JS% and %CSS% replaced. */
  readonly html: string;
  readonly js: string;
  readonly css: string;
  /** Short content hash of js + css: part of the asset URLs and their ETag. */
  readonly version: string;
}

/** Security headers every page and asset is served with: nothing but the page's own origin. */
export const pageSecurityHeaders: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

const cache = new Map<string, Promise<PageAssets>>();

function folderOf(page: PageName): string {
  return fileURLToPath(new URL(`./${page}/`, import.meta.url));
}

async function bundle(page: PageName, base: string): Promise<PageAssets> {
  const dir = folderOf(page);
  const result = await build({
    entryPoints: [`${dir}main.tsx`],
    bundle: true,
    write: false,
    outdir: '/page',
    entryNames: 'app',
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    legalComments: 'none',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    logLevel: 'silent',
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  const js = result.outputFiles.find((f) => f.path.endsWith('.js'))?.text ?? '';
  const css = result.outputFiles.find((f) => f.path.endsWith('.css'))?.text ?? '';
  if (js === '') throw new Error(`Cannot bundle web/${page}: expected app.js from esbuild, found none`);
  const version = createHash('sha256').update(js).update(css).digest('hex').slice(0, 12);
  const template = await readFile(`${dir}index.html`, 'utf8');
  const html = template
    .replaceAll('%BASE%', base)
    .replaceAll('%JS%', `${base}app.${version}.js`)
    .replaceAll('%CSS%', `${base}app.${version}.css`);
  return { html, js, css, version };
}

/**
 * The page's assets for a server that mounts it under `base` (ending in '/'). Built once per
 * process and base; a failed build is not cached, so the next request tries again.
 */
export function pageAssets(page: PageName, base: string): Promise<PageAssets> {
  const key = `${page}|${base}`;
  let pending = cache.get(key);
  if (pending === undefined) {
    pending = bundle(page, base);
    cache.set(key, pending);
    pending.catch(() => cache.delete(key));
  }
  return pending;
}

/** Which asset a request path under `base` names: 'html', 'js', 'css', or undefined. */
export function assetOf(path: string, base: string, version: string): 'html' | 'js' | 'css' | undefined {
  if (path === base || path === base.slice(0, -1) || path === `${base}index.html`) return 'html';
  if (path === `${base}app.${version}.js`) return 'js';
  if (path === `${base}app.${version}.css`) return 'css';
  return undefined;
}
