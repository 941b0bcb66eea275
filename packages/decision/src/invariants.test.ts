// Exhaustive check over the whole state space the rules read:
//   PE × VM × CPL 0..3 × IOPL 0..3 × IF × {usable, non-reversible, no shadow}^6
// = 2·2·4·4·2·729 = 93,312 states, for every built-in strategy.
//
// The safety invariant (brief §1 and §7.3): DE is chosen only in v8086 mode, or in protected
// mode at CPL 3 with IOPL < 3, IF = 1 and every segment register usable — the states in which
// the hardware can carry the guest's unprivileged state unchanged. The oracle here is written
// as a list of conditions, independently of decide.ts's control flow.
import { describe, expect, it } from 'vitest';
import { fakeView, type FakeState } from '../test/fake-view.ts';
import { SEG_CS, SEG_DS, SEG_ES, SEG_FS, SEG_GS, SEG_SS, SegmentShadow, type SegReg } from './ports.ts';
import { Reason, reasonMode, segmentReason, type Reason as ReasonT } from './reasons.ts';
import { alwaysBtStrategy, noV86Strategy, strategies, vmwareStrategy, type DecisionStrategy } from './strategies.ts';

const SHADOW_STATES = [SegmentShadow.USABLE, SegmentShadow.NON_REVERSIBLE, SegmentShadow.NO_SHADOW];

function* allStates(): Generator<FakeState> {
  for (const pe of [false, true])
    for (const vm of [false, true])
      for (let cpl = 0; cpl < 4; cpl++)
        for (let iopl = 0; iopl < 4; iopl++)
          for (const ifl of [false, true])
            for (let n = 0; n < 3 ** 6; n++) {
              const shadows: number[] = [];
              for (let k = 0, m = n; k < 6; k++, m = Math.floor(m / 3)) shadows.push(SHADOW_STATES[m % 3] ?? -1);
              yield { pe, vm, cpl, iopl, if: ifl, shadows };
            }
}

const STATES = [...allStates()];

/** The brief's condition for DE, stated once. */
function safeForDE(s: FakeState): boolean {
  if (!s.pe) return false;
  if (s.vm) return true;
  return s.cpl === 3 && s.iopl < 3 && s.if && s.shadows.every((v) => v === SegmentShadow.USABLE);
}

/** The brief's rule list, in its order; the first that fires is the reason. */
function vmwareReason(s: FakeState): ReasonT {
  const order: SegReg[] = [SEG_CS, SEG_SS, SEG_DS, SEG_ES, SEG_FS, SEG_GS];
  const rules: [boolean, () => ReasonT][] = [
    [!s.pe, () => Reason.REAL_MODE],
    [s.vm, () => Reason.V8086],
    [s.cpl < 3, () => Reason.CPL],
    [s.iopl >= s.cpl, () => Reason.IOPL],
    [!s.if, () => Reason.IF],
    ...order.map((seg): [boolean, () => ReasonT] => [
      s.shadows[seg] !== SegmentShadow.USABLE,
      () => segmentReason(seg, s.shadows[seg] as SegmentShadow),
    ]),
  ];
  for (const [fires, reason] of rules) if (fires) return reason();
  return Reason.USER;
}

describe('exhaustive state space', () => {
  it('has every state', () => {
    expect(STATES.length).toBe(93_312);
  });

  it.each([...strategies.values()].map((s) => [s.name, s] as const))(
    '%s chooses DE only when it is safe, and its reason matches its mode',
    (_name, strategy: DecisionStrategy) => {
      let unsafe = 0;
      let inconsistent = 0;
      for (const s of STATES) {
        const d = strategy.decide(fakeView(s));
        if (d.mode === 'DE' && !safeForDE(s)) unsafe++;
        if (reasonMode(d.reason) !== d.mode) inconsistent++;
      }
      expect(unsafe).toBe(0);
      expect(inconsistent).toBe(0);
    },
  );

  it('vmware chooses DE exactly when safe, with the first failing rule as the reason', () => {
    let wrong = 0;
    let de = 0;
    let firstWrong: FakeState | undefined;
    for (const s of STATES) {
      const d = vmwareStrategy.decide(fakeView(s));
      if (d.mode === 'DE') de++;
      if ((d.mode === 'DE') !== safeForDE(s) || d.reason !== vmwareReason(s)) {
        wrong++;
        firstWrong ??= s;
      }
    }
    expect(firstWrong).toBeUndefined();
    expect(wrong).toBe(0);
    // v8086: 4·4·2·729 states; user: IOPL 0..2 at CPL 3 with IF = 1 and all usable.
    expect(de).toBe(4 * 4 * 2 * 729 + 3);
  });

  it('always-bt never chooses DE', () => {
    expect(STATES.filter((s) => alwaysBtStrategy.decide(fakeView(s)).mode === 'DE')).toEqual([]);
  });

  it('no-v86 agrees with vmware everywhere except v8086, which it translates', () => {
    let wrong = 0;
    for (const s of STATES) {
      const d = noV86Strategy.decide(fakeView(s));
      const expected = s.pe && s.vm ? Reason.V8086_BT : vmwareReason(s);
      if (d.reason !== expected) wrong++;
    }
    expect(wrong).toBe(0);
  });
});
