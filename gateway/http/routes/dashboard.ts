/** Serves the static staff dashboard (one HTML page; it calls the staff API with a pasted token). */
import { readFile } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';

export function dashboardRoute() {
  return async (app: FastifyInstance): Promise<void> => {
    const html = await readFile(new URL('../dashboard.html', import.meta.url), 'utf8');
    app.get('/dashboard', { schema: { hide: true } }, async (_request, reply) =>
      reply
        .type('text/html; charset=utf-8')
        .header(
          'content-security-policy',
          "default-src 'self'; script-src 'unsafe-inline' 'self'; style-src 'unsafe-inline'",
        )
        .send(html),
    );
  };
}
