import type { FastifyReply } from 'fastify';

/** Server-rendered pages: every value goes through `escapeHtml` (or `html` below) before output. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** Already-escaped markup, so that `html` does not escape it twice. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

/** Tagged template: interpolated values are escaped unless they are SafeHtml (or arrays of it). */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0]!;
  values.forEach((value, index) => {
    const rendered = Array.isArray(value)
      ? value.map((item) => (item instanceof SafeHtml ? item.value : escapeHtml(item))).join('')
      : value instanceof SafeHtml
        ? value.value
        : escapeHtml(value);
    out += rendered + strings[index + 1]!;
  });
  return new SafeHtml(out);
}

const STYLE = `
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 46rem; margin: 2rem auto; padding: 0 1rem; color: #1d1d1f; }
  header { display: flex; justify-content: space-between; align-items: baseline; border-bottom: 1px solid #ddd; margin-bottom: 1.5rem; }
  header a { color: inherit; text-decoration: none; font-weight: 600; }
  form.inline { display: inline; }
  label { display: block; margin: .6rem 0 .2rem; }
  input[type=text], input[type=password] { width: 100%; max-width: 24rem; padding: .4rem; }
  button { padding: .4rem .9rem; margin-top: .6rem; cursor: pointer; }
  table { border-collapse: collapse; width: 100%; }
  td, th { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid #eee; vertical-align: top; }
  .error { background: #fde8e8; border: 1px solid #f5b5b5; padding: .6rem; }
  .notice { background: #e8f4fd; border: 1px solid #b5d8f5; padding: .6rem; }
  code.secret { font-size: 1.05rem; background: #f4f4f4; padding: .3rem; word-break: break-all; display: inline-block; }
`;

export interface PageOptions {
  title: string;
  /** Username of the logged-in user, to show the logout button. */
  user?: { username: string; csrfToken: string } | null;
}

export function page(options: PageOptions, body: SafeHtml): string {
  const logout = options.user
    ? html`<form class="inline" method="post" action="/logout"><input type="hidden" name="_csrf" value="${options.user.csrfToken}">
        <span>${options.user.username}</span> <button type="submit">Log out</button></form>`
    : html`<a href="/login">Log in</a>`;
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${options.title} · Balados Sync</title><style>${new SafeHtml(STYLE)}</style></head>
<body><header><a href="/">Balados Sync</a>${logout}</header>
<main><h1>${options.title}</h1>${body}</main></body></html>`.value;
}

/**
 * Headers for every page: no script, no frames (a button under someone else's invisible frame
 * is clickjacking), never cached (pages carry CSRF tokens and, once, secrets).
 * `formAction`: where the page's forms may lead, redirects included (default: this site).
 */
export function sendPage(
  reply: FastifyReply,
  status: number,
  markup: string,
  options: { formAction?: readonly string[]; referrer?: 'same-origin' | 'no-referrer' } = {},
): FastifyReply {
  const formAction = options.formAction ?? ["'self'"];
  const csp = [
    "default-src 'none'",
    "style-src 'unsafe-inline'",
    `form-action ${formAction.length > 0 ? formAction.join(' ') : "'none'"}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
  return reply
    .status(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('content-security-policy', csp)
    .header('x-frame-options', 'DENY')
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', options.referrer ?? 'same-origin')
    .header('cache-control', 'no-store')
    .send(markup);
}
