import type { CaptureStatus, ProviderBehaviour } from './payment-provider.js';

/** The service's client of the payment provider. A timeout leaves the outcome unknown. */
export class ProviderClient {
  constructor(
    private readonly baseUrl: string,
    private readonly timeoutMs = 2_000,
  ) {}

  async capture(idempotencyKey: string, amount: number, behaviour?: ProviderBehaviour): Promise<CaptureStatus> {
    const response = await fetch(`${this.baseUrl}/captures`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ idempotencyKey, amount, behaviour }),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    if (!response.ok) throw new Error(`provider answered ${response.status}`);
    return ((await response.json()) as { status: CaptureStatus }).status;
  }

  /** What the provider knows about a capture: its status, or `unknown` when it never saw it. */
  async lookup(idempotencyKey: string): Promise<CaptureStatus | 'unknown'> {
    const response = await fetch(`${this.baseUrl}/captures/${encodeURIComponent(idempotencyKey)}`, { signal: AbortSignal.timeout(this.timeoutMs) });
    if (response.status === 404) return 'unknown';
    if (!response.ok) throw new Error(`provider answered ${response.status}`);
    return ((await response.json()) as { status: CaptureStatus }).status;
  }
}
