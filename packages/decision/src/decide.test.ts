// The rule table in test/data/decisions.txt, one decision per line, for every strategy.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fakeView } from '../test/fake-view.ts';
import { decide, isV8086 } from './decide.ts';
import { SegmentShadow } from './ports.ts';
import { Reason, REASON_COUNT, REASON_LABELS } from './reasons.ts';
import { getStrategy } from './strategies.ts';

const FIXTURE = new URL('../test/data/decisions.txt', import.meta.url);
const FILE = 'test/data/decisions.txt';

interface Case {
  where: string;
  strategy: string;
  pe: boolean;
  vm: boolean;
  cpl: number;
  iopl: number;
  if: boolean;
  shadows: number[];
  mode: string;
  label: string;
}

const SHADOW_LETTERS: Record<string, number> = {
  u: SegmentShadow.USABLE,
  n: SegmentShadow.NON_REVERSIBLE,
  x: SegmentShadow.NO_SHADOW,
  '?': 7,
};

function bit(where: string, text: string | undefined): boolean {
  if (text !== '0' && text !== '1') throw new Error(`${where}: expected 0 or 1, got ${String(text)}`);
  return text === '1';
}

function small(where: string, text: string | undefined): number {
  if (text === undefined || !/^[0-3]$/.test(text)) throw new Error(`${where}: expected 0..3, got ${String(text)}`);
  return Number(text);
}

function parse(text: string): Case[] {
  const cases: Case[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/#.*/, '').trim();
    if (line === '') return;
    const where = `${FILE}:${i + 1}`;
    const f = line.split(/\s+/);
    if (f.length !== 10 || f[7] !== '->') throw new Error(`${where}: expected 10 fields with "->" 8th: ${raw}`);
    const segs = f[6] ?? '';
    if (segs.length !== 6) throw new Error(`${where}: expected 6 segment letters, got "${segs}"`);
    const shadows = [...segs].map((c) => {
      const v = SHADOW_LETTERS[c];
      if (v === undefined) throw new Error(`${where}: unknown segment letter "${c}"`);
      return v;
    });
    const mode = f[8] ?? '';
    if (mode !== 'DE' && mode !== 'BT') throw new Error(`${where}: mode must be DE or BT, got "${mode}"`);
    const label = f[9] ?? '';
    if (!REASON_LABELS.includes(label)) throw new Error(`${where}: unknown reason label "${label}"`);
    cases.push({
      where,
      strategy: f[0] ?? '',
      pe: bit(where, f[1]),
      vm: bit(where, f[2]),
      cpl: small(where, f[3]),
      iopl: small(where, f[4]),
      if: bit(where, f[5]),
      shadows,
      mode,
      label,
    });
  });
  return cases;
}

const cases = parse(readFileSync(FIXTURE, 'utf8'));

describe('decision table (test/data/decisions.txt)', () => {
  it('has cases', () => {
    expect(cases.length).toBeGreaterThan(40);
  });

  it.each(cases.map((c) => [`${c.where} ${c.strategy} -> ${c.mode} ${c.label}`, c] as const))('%s', (_name, c) => {
    const strategy = getStrategy(c.strategy);
    // Bits the rules must ignore: the arithmetic flags, TF, NT, RF, AC, VIF/VIP/ID; CR0.PG/WP/TS.
    for (const eflagsNoise of [0, 0x3f_4dd5 & ~0x2_3200]) {
      const d = strategy.decide(fakeView({ ...c, eflagsNoise, cr0Noise: eflagsNoise === 0 ? 0 : 0x8001_000e }));
      expect({ mode: d.mode, label: d.label }, c.where).toEqual({ mode: c.mode, label: c.label });
      expect(REASON_LABELS[d.reason], c.where).toBe(c.label);
    }
  });

  it('names every reason at least once', () => {
    const seen = new Set(cases.map((c) => c.label));
    const missing = REASON_LABELS.filter((l) => !seen.has(l));
    expect(missing).toEqual([]);
    expect(seen.size).toBe(REASON_COUNT);
  });
});

describe('decide', () => {
  const safeUser = { pe: true, vm: false, cpl: 3, iopl: 0, if: true, shadows: [0, 0, 0, 0, 0, 0] };

  it('returns the same frozen object for the same reason (no allocation per call)', () => {
    const a = decide(fakeView(safeUser));
    const b = decide(fakeView(safeUser));
    expect(a).toBe(b);
    expect(Object.isFrozen(a)).toBe(true);
    expect(a.reason).toBe(Reason.USER);
  });

  it('does not read segment shadows in real mode or v8086 mode', () => {
    for (const s of [
      { ...safeUser, pe: false },
      { ...safeUser, vm: true },
    ]) {
      const v = fakeView({ ...s, shadows: [] });
      expect(() => decide(v)).not.toThrow();
      expect(v.shadowReads).toBe(0);
    }
  });

  it('stops reading shadows at the first unusable one', () => {
    const v = fakeView({ ...safeUser, shadows: [0, 1, 1, 1, 1, 1] });
    expect(decide(v).label).toBe('segment:cs:non-reversible');
    expect(v.shadowReads).toBe(1);
  });

  it('reads all six shadows before choosing DE', () => {
    const v = fakeView(safeUser);
    expect(decide(v).mode).toBe('DE');
    expect(v.shadowReads).toBe(6);
  });

  it('translates a CPL outside 0..3 rather than trusting it', () => {
    for (const cpl of [-1, 4, 7, 3.5, Number.NaN]) {
      expect(decide(fakeView({ ...safeUser, cpl })).reason).toBe(Reason.CPL);
    }
  });

  it('treats any shadow state other than USABLE as unusable', () => {
    for (const state of [1, 2, 3, -1, 255]) {
      const shadows = [0, 0, 0, 0, 0, state];
      expect(decide(fakeView({ ...safeUser, shadows })).mode).toBe('BT');
    }
  });

  it('isV8086 needs PE as well as VM', () => {
    expect(isV8086(fakeView({ ...safeUser, vm: true }))).toBe(true);
    expect(isV8086(fakeView({ ...safeUser, vm: true, pe: false }))).toBe(false);
    expect(isV8086(fakeView(safeUser))).toBe(false);
  });
});
