import 'reflect-metadata';
import { PATH_METADATA } from '@nestjs/common/constants.js';
import { describe, expect, it } from 'vitest';
import { InvalidConfigError, Outbox } from '@outboxkit/core';
import { OutboxExplorer } from './outbox-explorer.js';
import { OutboxModule } from './outbox-module.js';
import { OUTBOX, OUTBOX_CLIENT } from './tokens.js';

// An outbox of no adapter: the module's shape does not depend on one. Never run, never the default.
const outbox = new Outbox({ runInTransaction: async () => undefined as never }, { registerAsDefault: false });

describe('OutboxModule', () => {
  it('forRoot: a global module exporting the outbox, its client and the explorer, no controller by default', () => {
    const module = OutboxModule.forRoot({ outbox });
    expect(module.global).toBe(true);
    expect(module.exports).toEqual([OUTBOX, OUTBOX_CLIENT, OutboxExplorer]);
    expect(module.controllers).toEqual([]);
    expect(OutboxModule.forRoot({ outbox, isGlobal: false }).global).toBe(false);
  });

  it('mounts the check endpoint where asked, statically', () => {
    const [controller] = OutboxModule.forRoot({ outbox, checkEndpoint: { secret: 'x'.repeat(16) } }).controllers!;
    expect(Reflect.getMetadata(PATH_METADATA, controller!)).toBe('outboxkit/check');
    const [custom] = OutboxModule.forRootAsync({ useFactory: () => ({ outbox }), checkEndpoint: { path: 'internal/check' } }).controllers!;
    expect(Reflect.getMetadata(PATH_METADATA, custom!)).toBe('internal/check');
    expect(Reflect.getMetadata('swagger/apiExcludeController', custom!)).toEqual([true]);
    expect(OutboxModule.forRootAsync({ useFactory: () => ({ outbox }) }).controllers).toEqual([]);
  });

  it('refuses what is not an outbox, and forRootAsync without a factory', () => {
    expect(() => OutboxModule.forRoot({ outbox: { transaction: () => 1 } as never })).toThrow(InvalidConfigError);
    expect(() => OutboxModule.forRootAsync({} as never)).toThrow(/useFactory/);
  });
});
