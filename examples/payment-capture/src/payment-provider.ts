import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for an external payment provider (the "local transaction" of this example happens
 * here, outside our database). It captures by idempotency key and lets you look a capture up —
 * which is what makes a back-check possible. The `behaviour` field plays the provider's moods:
 *   ok       capture and answer at once
 *   decline  refuse the card
 *   slow     capture, but answer only after `slowMs` (the caller times out: outcome UNKNOWN)
 */
export type CaptureStatus = 'captured' | 'declined';
export type ProviderBehaviour = 'ok' | 'decline' | 'slow';

export interface PaymentProvider {
  url: string;
  captures: Map<string, { status: CaptureStatus; amount: number }>;
  close(): Promise<void>;
}

export async function startPaymentProvider(options: { port?: number; slowMs?: number } = {}): Promise<PaymentProvider> {
  const captures = new Map<string, { status: CaptureStatus; amount: number }>();
  const slowMs = options.slowMs ?? 3_000;
  const server: Server = createServer(async (req, res) => {
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    const url = new URL(req.url ?? '/', 'http://provider');
    if (req.method === 'GET' && url.pathname.startsWith('/captures/')) {
      const capture = captures.get(decodeURIComponent(url.pathname.slice('/captures/'.length)));
      return capture ? json(200, capture) : json(404, { error: 'no such capture' });
    }
    if (req.method === 'POST' && url.pathname === '/captures') {
      let text = '';
      for await (const chunk of req) text += chunk;
      const { idempotencyKey, amount, behaviour } = JSON.parse(text) as { idempotencyKey: string; amount: number; behaviour?: ProviderBehaviour };
      // Idempotent: a retried capture returns the first outcome.
      const existing = captures.get(idempotencyKey);
      const capture = existing ?? { status: behaviour === 'decline' ? 'declined' : 'captured', amount };
      captures.set(idempotencyKey, capture);
      if (behaviour === 'slow' && !existing) await new Promise((r) => setTimeout(r, slowMs));
      return json(200, capture);
    }
    json(404, { error: 'not found' });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    captures,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
