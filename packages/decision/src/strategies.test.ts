import { describe, expect, it } from 'vitest';
import { fakeView } from '../test/fake-view.ts';
import { decide } from './decide.ts';
import type { VcpuView } from './ports.ts';
import { decisionFor, Reason, type Decision } from './reasons.ts';
import {
  alwaysBtStrategy,
  DEFAULT_STRATEGY,
  getStrategy,
  noV86Strategy,
  strategies,
  UnknownStrategyError,
  vmwareStrategy,
  type DecisionStrategy,
} from './strategies.ts';

describe('strategies', () => {
  it('registers the built-ins under their own names, vmware first and by default', () => {
    expect([...strategies.keys()]).toEqual(['vmware', 'always-bt', 'no-v86']);
    for (const [name, s] of strategies) expect(s.name).toBe(name);
    expect(getStrategy(DEFAULT_STRATEGY)).toBe(vmwareStrategy);
    expect(getStrategy('always-bt')).toBe(alwaysBtStrategy);
    expect(getStrategy('no-v86')).toBe(noV86Strategy);
  });

  it('vmware is the decide function itself', () => {
    expect(vmwareStrategy.decide).toBe(decide);
  });

  it('describes every strategy on one line', () => {
    for (const s of strategies.values()) {
      expect(s.description.length).toBeGreaterThan(10);
      expect(s.description).not.toContain('\n');
      expect(s.name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
    }
  });

  it('always-bt does not even look at the view', () => {
    const view = new Proxy({} as VcpuView, {
      get: () => {
        throw new Error('read');
      },
    });
    expect(alwaysBtStrategy.decide(view)).toBe(decisionFor(Reason.FORCED_BT));
  });

  it('rejects an unknown name, listing the valid ones', () => {
    expect(() => getStrategy('vmwre')).toThrow(
      'unknown decision strategy "vmwre"; valid strategies: vmware, always-bt, no-v86',
    );
    try {
      getStrategy('');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(UnknownStrategyError);
      expect(e).toBeInstanceOf(Error);
      const err = e as UnknownStrategyError;
      expect(err.name).toBe('UnknownStrategyError');
      expect(err.requested).toBe('');
      expect(err.valid).toEqual(['vmware', 'always-bt', 'no-v86']);
    }
  });

  it('is case-sensitive, as the CLI flag is', () => {
    expect(() => getStrategy('VMware')).toThrow(UnknownStrategyError);
  });

  it('accepts a caller-extended registry without changing the built-in one', () => {
    const mine: DecisionStrategy = {
      name: 'kernel-only-bt',
      description: 'test strategy',
      decide: (v: VcpuView): Decision => (v.cpl === 3 ? decide(v) : decisionFor(Reason.CPL)),
    };
    const registry = new Map([...strategies, [mine.name, mine]]);
    expect(getStrategy('kernel-only-bt', registry)).toBe(mine);
    expect(getStrategy('vmware', registry)).toBe(vmwareStrategy);
    expect(() => getStrategy('kernel-only-bt')).toThrow(/valid strategies: vmware, always-bt, no-v86$/);
    const safe = fakeView({ pe: true, vm: false, cpl: 3, iopl: 0, if: true, shadows: [0, 0, 0, 0, 0, 0] });
    expect(getStrategy('kernel-only-bt', registry).decide(safe).mode).toBe('DE');
  });

  it('freezes the built-in strategy objects', () => {
    for (const s of strategies.values()) expect(Object.isFrozen(s)).toBe(true);
  });
});
