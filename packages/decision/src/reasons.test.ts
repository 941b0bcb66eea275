import { describe, expect, it } from 'vitest';
import { SEG_CS, SEG_ES, SEG_GS, SegmentShadow } from './ports.ts';
import { decisionFor, Reason, REASON_COUNT, REASON_LABELS, reasonMode, segmentReason, type Reason as ReasonT } from './reasons.ts';

describe('reasons', () => {
  it('numbers the reasons 0..REASON_COUNT-1 with no gaps, so they index counter arrays', () => {
    const values = Object.values(Reason).sort((a, b) => a - b);
    expect(values).toEqual(Array.from({ length: REASON_COUNT }, (_, i) => i));
  });

  it('gives every reason one distinct label', () => {
    expect(REASON_LABELS.length).toBe(REASON_COUNT);
    expect(new Set(REASON_LABELS).size).toBe(REASON_COUNT);
    expect(REASON_LABELS.every((l) => l.length > 0)).toBe(true);
  });

  it('labels the brief names', () => {
    expect(REASON_LABELS[Reason.REAL_MODE]).toBe('real-mode');
    expect(REASON_LABELS[Reason.CPL]).toBe('cpl');
    expect(REASON_LABELS[Reason.IOPL]).toBe('iopl');
    expect(REASON_LABELS[Reason.IF]).toBe('if');
    expect(REASON_LABELS[Reason.SEG_CS_NON_REVERSIBLE]).toBe('segment:cs:non-reversible');
    expect(REASON_LABELS[Reason.SEG_GS_NO_SHADOW]).toBe('segment:gs:no-shadow');
  });

  it('has exactly two DE reasons: v8086 and user', () => {
    const de = Object.values(Reason).filter((r) => reasonMode(r) === 'DE');
    expect(de.sort()).toEqual([Reason.V8086, Reason.USER].sort());
  });

  it('maps each (segment, why) to its own reason', () => {
    expect(segmentReason(SEG_ES, SegmentShadow.NON_REVERSIBLE)).toBe(Reason.SEG_ES_NON_REVERSIBLE);
    expect(segmentReason(SEG_CS, SegmentShadow.NO_SHADOW)).toBe(Reason.SEG_CS_NO_SHADOW);
    expect(segmentReason(SEG_GS, SegmentShadow.NON_REVERSIBLE)).toBe(Reason.SEG_GS_NON_REVERSIBLE);
    // An unknown state is reported as "no shadow" rather than as a made-up reason number.
    expect(segmentReason(SEG_GS, 9 as SegmentShadow)).toBe(Reason.SEG_GS_NO_SHADOW);
  });

  it('preallocates one frozen decision per reason', () => {
    for (const r of Object.values(Reason)) {
      const d = decisionFor(r);
      expect(d).toBe(decisionFor(r));
      expect(Object.isFrozen(d)).toBe(true);
      expect(d.reason).toBe(r);
      expect(d.label).toBe(REASON_LABELS[r]);
    }
    expect(Object.isFrozen(REASON_LABELS)).toBe(true);
  });

  it('rejects a number that is not a reason', () => {
    expect(() => decisionFor(REASON_COUNT as ReasonT)).toThrow(RangeError);
    expect(() => decisionFor(-1 as ReasonT)).toThrow(RangeError);
  });
});
