import { describe, expect, it } from 'vitest';
import { logLine } from './logger.js';

describe('logLine', () => {
  const head = { level: 'error', msg: 'event listener threw' };

  it('writes the fields, errors as name, message and code', () => {
    const error = Object.assign(new Error('boom'), { code: 'E_BOOM' });
    expect(JSON.parse(logLine(head, { error, n: 10n }))).toEqual({ ...head, error: { name: 'Error', message: 'boom', code: 'E_BOOM' }, n: '10' });
  });

  it('never throws: fields JSON cannot hold give the line without them and why', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const throwing = {
      get detail() {
        throw Object.create(null);
      },
    };
    for (const fields of [{ error: cyclic }, { value: throwing }]) {
      const line = JSON.parse(logLine(head, fields)) as Record<string, unknown>;
      expect(line).toMatchObject(head);
      expect(typeof line.unloggableFields).toBe('string');
    }
  });
});
