/**
 * The staff web app at /dashboard (web/staff, built in memory by web/bundle.ts on the first
 * request). The page holds no data: it signs in with a staff token and calls /v1/staff/*.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { assetOf, pageAssets, pageSecurityHeaders } from '../../../web/bundle.ts';
import { ERR_NOT_FOUND } from '../../errors.ts';

export const staffAppBase = '/dashboard/';

async function sendAsset(path: string, reply: FastifyReply): Promise<FastifyReply> {
  const assets = await pageAssets('staff', staffAppBase);
  const asset = assetOf(path, staffAppBase, assets.version);
  if (asset === undefined)
    throw new ERR_NOT_FOUND(`Cannot GET ${path}: expected ${staffAppBase} or one of its current assets`, { path });
  const type = { html: 'text/html', js: 'text/javascript', css: 'text/css' }[asset];
  const body = asset === 'html' ? assets.html : asset === 'js' ? assets.js : assets.css;
  return reply
    .headers(pageSecurityHeaders)
    .header('cache-control', asset === 'html' ? 'no-cache' : 'public, max-age=31536000, immutable')
    .type(`${type}; charset=utf-8`)
    .send(body);
}

export function webAppRoutes() {
  return (app: FastifyInstance): Promise<void> => {
    for (const url of ['/dashboard', staffAppBase])
      app.get(url, { schema: { hide: true } }, (request, reply) => sendAsset(request.url.split('?')[0]!, reply));
    app.get(
      '/dashboard/:file',
      { schema: { hide: true, params: z.strictObject({ file: z.string().max(100) }) } },
      (request, reply) => sendAsset(request.url.split('?')[0]!, reply),
    );
    return Promise.resolve();
  };
}
