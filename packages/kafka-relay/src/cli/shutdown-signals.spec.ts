import { describe, expect, it } from 'vitest';
import { parentWatchWanted } from './shutdown-signals.js';

describe('parentWatchWanted', () => {
  it('auto watches under a package manager (npm_lifecycle_event), not otherwise; on and off are meant', () => {
    expect(parentWatchWanted('auto', { npm_lifecycle_event: 'relay' })).toBe(true);
    expect(parentWatchWanted('auto', { npm_lifecycle_event: 'npx' })).toBe(true);
    expect(parentWatchWanted('auto', {})).toBe(false);
    expect(parentWatchWanted('on', {})).toBe(true);
    expect(parentWatchWanted('off', { npm_lifecycle_event: 'relay' })).toBe(false);
  });
});
