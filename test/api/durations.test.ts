import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatIsoDuration, parseIsoDuration } from '../../domain/durations.js';

describe('ISO 8601 durations', () => {
  it.each([
    ['PT30M', 30 * 60_000],
    ['P3D', 3 * 86_400_000],
    ['P1DT12H', 36 * 3_600_000],
    ['P2W', 14 * 86_400_000],
    ['PT1.5S', 1_500],
    ['PT90S', 90_000],
    ['P1W2DT3H4M5.006S', 9 * 86_400_000 + 3 * 3_600_000 + 4 * 60_000 + 5_006],
  ])('%s is %i ms', (text, ms) => {
    expect(parseIsoDuration(text)).toEqual({ ok: true, ms });
  });

  it.each(['P', 'PT', 'P1DT', '3 days', 'p3d', 'P-1D', 'PT1.2345S', 'P1H', 'PT1D', ''])(
    'refuses %j',
    (text) => {
      expect(parseIsoDuration(text).ok).toBe(false);
    },
  );

  it.each(['P1M', 'P1Y', 'P1Y2M3D', 'P2W3M'])(
    'refuses calendar units in %s with the reason',
    (text) => {
      const parsed = parseIsoDuration(text);
      expect(parsed.ok).toBe(false);
      if (!parsed.ok) expect(parsed.reason).toMatch(/years and months/);
    },
  );

  it('formats the shortest form, and parsing it gives the same milliseconds back', () => {
    expect(formatIsoDuration(36 * 3_600_000)).toBe('P1DT12H');
    expect(formatIsoDuration(1_500)).toBe('PT1.5S');
    expect(formatIsoDuration(0)).toBe('PT0S');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 400 * 86_400_000 }), (ms) => {
        expect(parseIsoDuration(formatIsoDuration(ms))).toEqual({ ok: true, ms });
      }),
    );
  });
});
