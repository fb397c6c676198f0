import type { IncomingMessage, ServerResponse } from 'node:http';
import { Controller, HttpCode, Inject, Post, Req, Res, type Type } from '@nestjs/common';
import type { CheckerHttpHandler } from '@outboxkit/core';
import { CheckEndpointErrorCode } from '@outboxkit/core/internal';

/** The core's Node handler for the sidecar back-check, built from the module options. */
export const OUTBOX_CHECK_HANDLER = Symbol.for('outboxkit.nestjs.check-handler');

/** Default route of the check endpoint (the relay's OUTBOX_CHECKER_URL points at it). */
export const DEFAULT_CHECK_PATH = 'outboxkit/check';

type RawRequest = IncomingMessage & { body?: unknown; rawBody?: Buffer };

/**
 * The application's side of sidecar mode as a Nest controller at `path`: the relay POSTs a
 * signed back-check and gets the answer of the producer group's checker. The signature covers the
 * raw body, and Nest's JSON parser has consumed it by the time a controller runs, so the
 * application must be created with `NestFactory.create(AppModule, { rawBody: true })`.
 *
 * Everything else — the signature and its replay window, the generic error bodies (a checker's
 * exception is logged, redacted, never sent back) — is the core handler's, so the Express and
 * the Nest endpoints answer alike.
 */
export function createCheckController(path: string): Type<unknown> {
  @Controller(path)
  class OutboxCheckController {
    constructor(@Inject(OUTBOX_CHECK_HANDLER) private readonly handler: CheckerHttpHandler) {}

    @Post()
    @HttpCode(200)
    check(@Req() req: RawRequest, @Res() res: ServerResponse): void {
      if (Buffer.isBuffer(req.rawBody)) {
        req.body = req.rawBody;
      } else if (req.body !== undefined && req.readableEnded) {
        const text = JSON.stringify({
          error: 'the check endpoint needs the raw request body: create the application with NestFactory.create(AppModule, { rawBody: true })',
          code: CheckEndpointErrorCode.misconfigured,
        });
        res.statusCode = 500;
        res.setHeader('content-type', 'application/json');
        res.end(text);
        return;
      }
      this.handler(req, res);
    }
  }
  // Keep the relay's endpoint out of a Swagger document (what @ApiExcludeController() records).
  const reflect = Reflect as unknown as { defineMetadata?(key: string, value: unknown, target: object): void };
  reflect.defineMetadata?.('swagger/apiExcludeController', [true], OutboxCheckController);
  return OutboxCheckController;
}
