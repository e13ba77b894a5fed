import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

// A client-supplied id is kept (it ties our logs to the client's), if it is short and plain.
const ACCEPTABLE = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestId(request: IncomingMessage): string {
  const supplied = request.headers['x-request-id'];
  return typeof supplied === 'string' && ACCEPTABLE.test(supplied) ? supplied : randomUUID();
}
