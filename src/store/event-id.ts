import { randomFillSync } from 'node:crypto';

/**
 * Event ids: UUID version 7 (RFC 9562), a 48-bit millisecond timestamp followed by random bits.
 * Ids made in order sort in order, so each new entry of the events' unique index on event_id
 * lands on the index's last page instead of a random one: random (version 4) ids made that index
 * the most expensive part of an append under load (docs/benchmarks.md, gpodder.net uploads).
 * Within one millisecond the ids stay unique by their 74 random bits; their order then is random.
 */
const pool = Buffer.alloc(16 * 256);
let offset = pool.length;

export function newEventId(now: number = Date.now()): string {
  if (offset === pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const bytes = pool.subarray(offset, (offset += 16));
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = 0x70 | (bytes[6]! & 0x0f);
  bytes[8] = 0x80 | (bytes[8]! & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
