import 'reflect-metadata';
import { createRequire } from 'node:module';
import { DiscoveryService } from '@nestjs/core';
import { describe, expect, inject, it } from 'vitest';
import { OutboxExplorer } from '@outboxkit/nestjs';

/**
 * Runs in the nest10 / nest11 projects of vitest.config.ts beside the Nest module tests: proves
 * that they ran against that major — the one scripts/peer-projects.mjs installed — and not the
 * workspace's Nest 12, in the tests and in the library's sources alike.
 */
describe(`the Nest module tests of this project`, () => {
  it('load @nestjs/* of the version the project names, in the tests and in the library', async () => {
    const expected = inject('peerVersions');
    for (const name of ['@nestjs/common', '@nestjs/core', '@nestjs/platform-express', '@nestjs/swagger']) {
      const manifest = (await import(`${name}/package.json`)) as { default: { version: string } };
      expect(manifest.default.version, name).toBe(expected[name]);
    }
    // The explorer's constructor asks for DiscoveryService by class: the class of the copy the
    // library's sources imported, which must be the copy the tests see.
    const paramTypes = Reflect.getMetadata('self:paramtypes', OutboxExplorer) as Array<{ param: unknown }> | undefined;
    expect(paramTypes?.map((p) => p.param)).toContain(DiscoveryService);
    const nestCore = createRequire(inject('peerModules') + '/')('@nestjs/core') as { DiscoveryService: unknown };
    expect(nestCore.DiscoveryService).toBe(DiscoveryService);
  });
});
