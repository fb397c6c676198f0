import { randomFillSync } from 'node:crypto';

/**
 * Message ids are UUIDv7 (RFC 9562 §5.7): unique without coordination, roughly time-ordered (good
 * for the primary-key index), and the dedupe key every consumer sees in the message-id header.
 *
 * Generated here rather than with the `uuid` package: its current releases are ES modules only,
 * which the CommonJS build of this package cannot load under Jest (docs/adopting.md, "CommonJS,
 * ESM and Jest").
 *
 * Layout: 48 bits of Unix time in ms, the version (7), a 32-bit counter spread over rand_a (12
 * bits) and the top of rand_b (20 bits, after the variant), then 42 random bits. The counter
 * starts at a random 31-bit value each millisecond and counts up within it (RFC 9562 §6.2, method
 * 1), so ids of one process are strictly increasing — also when the clock steps back, as the
 * timestamp then stays at the last one used.
 */
export function newMessageId(): string {
  const now = Date.now();
  if (now > lastMs) {
    lastMs = now;
    counter = randomCounterStart();
  } else if (++counter > 0xffffffff) {
    // 2^31 ids in one millisecond: borrow the next one.
    lastMs += 1;
    counter = randomCounterStart();
  }
  const bytes = randomBytes16();
  const high = Math.floor(lastMs / 0x100000000);
  const low = lastMs >>> 0;
  bytes[0] = (high >>> 8) & 0xff;
  bytes[1] = high & 0xff;
  bytes[2] = low >>> 24;
  bytes[3] = (low >>> 16) & 0xff;
  bytes[4] = (low >>> 8) & 0xff;
  bytes[5] = low & 0xff;
  bytes[6] = 0x70 | (counter >>> 28);
  bytes[7] = (counter >>> 20) & 0xff;
  bytes[8] = 0x80 | ((counter >>> 14) & 0x3f);
  bytes[9] = (counter >>> 6) & 0xff;
  bytes[10] = ((counter & 0x3f) << 2) | (bytes[10]! & 0x03);
  return format(bytes);
}

let lastMs = -Infinity;
let counter = 0;

const POOL = new Uint8Array(16 * 256);
let poolOffset = POOL.length;
const scratch = new Uint8Array(16);

/** 16 fresh random bytes (taken from a pool, refilled 4 KiB at a time: one syscall per 256 ids). */
function randomBytes16(): Uint8Array {
  if (poolOffset === POOL.length) {
    randomFillSync(POOL);
    poolOffset = 0;
  }
  scratch.set(POOL.subarray(poolOffset, poolOffset + 16));
  poolOffset += 16;
  return scratch;
}

function randomCounterStart(): number {
  const bytes = randomBytes16();
  return ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 1;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

function format(b: Uint8Array): string {
  const h = (i: number) => HEX[b[i]!]!;
  return (
    h(0) + h(1) + h(2) + h(3) + '-' + h(4) + h(5) + '-' + h(6) + h(7) + '-' + h(8) + h(9) + '-' + h(10) + h(11) + h(12) + h(13) + h(14) + h(15)
  );
}

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID_PATTERN.test(value);
}
