import 'reflect-metadata';
import { PATH_METADATA } from '@nestjs/common/constants.js';
import { describe, expect, it } from 'vitest';
import { InvalidConfigError } from '@outboxkit/core';
import { PrismaOutbox } from '../prisma-outbox.js';
import { OutboxExplorer } from './outbox-explorer.js';
import { OutboxModule } from './outbox-module.js';
import { OUTBOX_PRISMA_CLIENT } from './tokens.js';

const prisma = { $transaction: async () => undefined, $extends: () => ({}), $executeRawUnsafe: () => 0, $queryRawUnsafe: () => [] };

describe('OutboxModule', () => {
  it('forRoot: a global module exporting the outbox, its client and the explorer, no controller by default', () => {
    const module = OutboxModule.forRoot({ prisma });
    expect(module.global).toBe(true);
    expect(module.exports).toEqual([PrismaOutbox, OUTBOX_PRISMA_CLIENT, OutboxExplorer]);
    expect(module.controllers).toEqual([]);
    expect(OutboxModule.forRoot({ prisma, isGlobal: false }).global).toBe(false);
  });

  it('mounts the check endpoint where asked, statically', () => {
    const [controller] = OutboxModule.forRoot({ prisma, checkEndpoint: { secret: 'x'.repeat(16) } }).controllers!;
    expect(Reflect.getMetadata(PATH_METADATA, controller!)).toBe('outboxkit/check');
    const [custom] = OutboxModule.forRootAsync({ useFactory: () => ({ prisma }), checkEndpoint: { path: 'internal/check' } }).controllers!;
    expect(Reflect.getMetadata(PATH_METADATA, custom!)).toBe('internal/check');
    expect(Reflect.getMetadata('swagger/apiExcludeController', custom!)).toEqual([true]);
    expect(OutboxModule.forRootAsync({ useFactory: () => ({ prisma }) }).controllers).toEqual([]);
  });

  it('refuses what is not a Prisma client, and forRootAsync without a factory', () => {
    expect(() => OutboxModule.forRoot({ prisma: { $transaction: () => 1 } as never })).toThrow(InvalidConfigError);
    expect(() => OutboxModule.forRootAsync({} as never)).toThrow(/useFactory/);
  });
});
