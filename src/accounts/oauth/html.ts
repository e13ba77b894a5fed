import type { FastifyReply } from 'fastify';
import { sendPage } from '../../web/html.js';

export { escapeHtml } from '../../web/html.js';

/**
 * Headers of the authorization pages: those of every page, plus no Referer (the URL carries the
 * app's state). `formAction`: where the page's form may lead, redirects included (the app's
 * redirect URI); none for pages without a form.
 */
export function sendHtml(reply: FastifyReply, status: number, body: string, formAction?: readonly string[]): FastifyReply {
  return sendPage(reply, status, body, { formAction: formAction ?? [], referrer: 'no-referrer' });
}
