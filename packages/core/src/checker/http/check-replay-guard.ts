/**
 * Remembers the signed check requests an endpoint accepted inside the signature window, so that a
 * captured request sent again — by an attacker on the path, or a proxy that retries a POST — is
 * refused instead of answered twice. The signature is the request's nonce: it covers the
 * timestamp and the body, and the relay never signs two requests with the same timestamp
 * (http-checker-client.ts), so two genuine requests never share one.
 *
 * Bounded: at most `maxEntries` signatures are kept, each only while its timestamp is inside the
 * window (later ones the window refuses anyway). When it is full, the oldest entry is forgotten
 * and its timestamp becomes a floor: any request signed at or before the floor is refused too,
 * because it can no longer be told from a replay. So a full cache never lets a replay in; it only
 * narrows the window for late requests, which a genuine relay does not send.
 *
 * One per endpoint instance: a replay sent to another instance behind the same URL is that
 * instance's first sight of it. A short window bounds that (docs/half-messages.md).
 */
export class CheckReplayGuard {
  private readonly seen = new Map<string, number>();
  private floor = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly windowMs: number,
    private readonly maxEntries: number,
  ) {}

  /** Records a request with a valid, fresh signature; false when it was seen (or may have been). */
  admit(signature: string, timestampMs: number, nowMs: number = Date.now()): boolean {
    this.forgetExpired(nowMs);
    if (this.seen.has(signature) || timestampMs <= this.floor) return false;
    while (this.seen.size >= this.maxEntries) {
      const [oldest, at] = this.seen.entries().next().value as [string, number];
      this.seen.delete(oldest);
      this.floor = Math.max(this.floor, at);
    }
    this.seen.set(signature, timestampMs);
    return true;
  }

  get size(): number {
    return this.seen.size;
  }

  /** Entries arrive in about timestamp order, so the expired ones are at the front. */
  private forgetExpired(nowMs: number): void {
    for (const [signature, at] of this.seen) {
      if (nowMs - at <= this.windowMs) break;
      this.seen.delete(signature);
    }
  }
}
