import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InvalidConfigError, type Logger } from '@outboxkit/core';
import { PROMETHEUS_CONTENT_TYPE } from '../metrics/prometheus-text.js';

export interface Probe {
  ok: boolean;
  [detail: string]: unknown;
}

export interface OpsServerOptions {
  host: string;
  port: number;
  /** Liveness: the process works (its loops are not stuck). */
  health: () => Probe;
  /** Readiness: connected and doing its job. */
  ready: () => Probe;
  /** Prometheus text. */
  metrics: () => Promise<string>;
  logger: Logger;
}

/** True for addresses only this host can reach: 127.0.0.0/8, ::1 (also IPv4-mapped) and localhost. */
export function isLoopback(host: string): boolean {
  const address = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (address === 'localhost' || address.endsWith('.localhost') || address === '::1' || address === '0:0:0:0:0:0:0:1') return true;
  return /^(::ffff:)?127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(address);
}

/**
 * /healthz, /readyz and /metrics over plain node:http, bound to 127.0.0.1 unless told
 * otherwise (a warning is logged for any other address). Probes answer 200 or 503 with a small
 * JSON body saying why.
 */
export class OpsServer {
  private server: Server | undefined;

  constructor(private readonly options: OpsServerOptions) {}

  /** Listens; resolves with the bound port (useful with port 0). */
  async start(): Promise<number> {
    const server = createServer((request, response) => {
      const path = (request.url ?? '/').split('?')[0];
      const probe = (result: Probe) => {
        response.writeHead(result.ok ? 200 : 503, { 'content-type': 'application/json' });
        response.end(`${JSON.stringify(result)}\n`);
      };
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        response.writeHead(405, { allow: 'GET, HEAD' }).end();
      } else if (path === '/healthz') {
        probe(this.options.health());
      } else if (path === '/readyz') {
        probe(this.options.ready());
      } else if (path === '/metrics') {
        this.options.metrics().then(
          (text) => response.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE }).end(text),
          (error: unknown) => {
            this.options.logger.warn('metrics rendering failed', { error });
            response.writeHead(500).end();
          },
        );
      } else {
        response.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /healthz, /readyz or /metrics\n');
      }
    });
    this.server = server;
    const { host, port } = this.options;
    await new Promise<void>((resolve, reject) => {
      const refuse = (error: NodeJS.ErrnoException) => {
        this.server = undefined;
        // Listening is a matter of configuration: a port taken, an address not on this host.
        reject(
          new InvalidConfigError(
            'http',
            `cannot listen on ${host}:${port} (${error.code ?? error.message}): choose a free port and an address of this host ` +
              '(http.port / http.host, env OUTBOX_HTTP_PORT / OUTBOX_HTTP_HOST)',
          ),
        );
      };
      server.once('error', refuse);
      server.listen(port, host, () => {
        server.off('error', refuse);
        resolve();
      });
    });
    const bound = (server.address() as AddressInfo).port;
    if (!isLoopback(host)) {
      // Right for Kubernetes probes (they come from the node, to the pod IP), but then anything that
      // can reach that address can read /metrics: say so once, where the operator looks.
      this.options.logger.warn('ops endpoints listen beyond loopback', {
        host,
        port: bound,
        hint: 'reachable by anything that can reach this address; /metrics names topics and instances. Keep it inside the pod network (a NetworkPolicy), or use 127.0.0.1 without probes',
      });
    }
    return bound;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections?.();
    });
  }
}
