import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { safeEqual } from '../http/authentication.js';

/**
 * CSRF protection for forms shown before there is a session (login, registration): a random
 * token both in a strict, HTTP-only cookie scoped to the form's path and in a hidden field; a
 * forged cross-site post cannot know it. Each check hands out a fresh token for the next try.
 */
export class FormToken {
  constructor(
    private readonly path: string,
    private readonly secureCookies: boolean,
  ) {}

  private get cookieName(): string {
    return `balados_form_${this.path.replace(/\W/g, '')}`;
  }

  issue(reply: FastifyReply): string {
    const token = randomBytes(24).toString('base64url');
    reply.setCookie(this.cookieName, token, { path: this.path, httpOnly: true, sameSite: 'strict', secure: this.secureCookies, maxAge: 3600 });
    return token;
  }

  /** Whether the posted form carries its cookie's token; `fresh` is the token for a new form. */
  check(request: FastifyRequest, reply: FastifyReply, presented: string | undefined): { valid: boolean; fresh: string } {
    const expected = request.cookies[this.cookieName] ?? '';
    const valid = expected !== '' && safeEqual(presented ?? '', expected);
    return { valid, fresh: this.issue(reply) };
  }

  clear(reply: FastifyReply): void {
    reply.clearCookie(this.cookieName, { path: this.path });
  }
}
