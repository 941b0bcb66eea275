// Decision strategies: the VMware rules and variants behind one interface, chosen by name
// (`vmm86 run --decision NAME`).
//
// Every variant only *adds* reasons to translate: BT is always a safe place to run guest code
// (brief §1 pitfalls — BT must handle CPL-3 code anyway), DE is safe only under the VMware
// conditions. So each strategy answers DE only where `vmware` does, and the exhaustive test
// checks exactly that. A strategy that relaxes a VMware condition would break isolation or
// transparency, and does not belong here.

import { decide, isV8086 } from './decide.js';
import type { VcpuView } from './ports.js';
import { decisionFor, Reason, type Decision } from './reasons.js';

/**
 * One way of choosing between DE and BT. `decide` must be pure and must not allocate, and it
 * is a function property, not a method: the monitor loop may hold `strategy.decide` on its
 * own, so it must not depend on `this`.
 */
export interface DecisionStrategy {
  /** Name used by `--decision`: lower-case, kebab-case. */
  readonly name: string;
  /** One line for `--help` and the stats header. */
  readonly description: string;
  readonly decide: (view: VcpuView) => Decision;
}

/** The brief's rules (the default). */
export const vmwareStrategy: DecisionStrategy = Object.freeze({
  name: 'vmware',
  description: 'VMware rules: real mode -> BT, v8086 -> DE, protected mode DE only at CPL 3 with IOPL < 3, IF = 1 and shadowed segments',
  decide,
});

const FORCED_BT = decisionFor(Reason.FORCED_BT);

/** Never direct: a transparency reference and the BT-only cost of a workload. */
export const alwaysBtStrategy: DecisionStrategy = Object.freeze({
  name: 'always-bt',
  description: 'never run guest code directly; everything is translated',
  decide: (_view: VcpuView): Decision => FORCED_BT,
});

const V8086_BT = decisionFor(Reason.V8086_BT);

/**
 * The VMware rules, except that v8086 code is translated instead of trapped-and-emulated.
 * v8086 DE is the one place where the brief runs code directly outside protected-mode CPL 3,
 * relying on the monitor's emulation of cli/sti/pushf/popf/int/iret; this isolates that
 * emulation (a v8086 guest that differs between `vmware` and `no-v86` has found a bug in
 * it) and measures trap-and-emulate against translation on the same code.
 */
export const noV86Strategy: DecisionStrategy = Object.freeze({
  name: 'no-v86',
  description: 'VMware rules, but v8086 code is translated instead of trapped-and-emulated',
  decide: (view: VcpuView): Decision => (isV8086(view) ? V8086_BT : decide(view)),
});

/** Name of the strategy used when none is given. */
export const DEFAULT_STRATEGY = 'vmware';

/** The built-in strategies by name. */
export const strategies: ReadonlyMap<string, DecisionStrategy> = new Map(
  [vmwareStrategy, alwaysBtStrategy, noV86Strategy].map((s) => [s.name, s] as const),
);

/** Thrown by `getStrategy` for a name the registry does not hold. */
export class UnknownStrategyError extends Error {
  override readonly name = 'UnknownStrategyError';
  /** The name asked for. */
  readonly requested: string;
  /** Every name that would have been accepted. */
  readonly valid: readonly string[];
  constructor(requested: string, valid: readonly string[]) {
    super(`unknown decision strategy "${requested}"; valid strategies: ${valid.join(', ')}`);
    this.requested = requested;
    this.valid = valid;
  }
}

/**
 * The strategy called `name`. `registry` defaults to the built-ins; a caller that adds its
 * own passes `new Map([...strategies, [mine.name, mine]])` instead of mutating shared state.
 */
export function getStrategy(
  name: string,
  registry: ReadonlyMap<string, DecisionStrategy> = strategies,
): DecisionStrategy {
  const s = registry.get(name);
  if (s === undefined) throw new UnknownStrategyError(name, [...registry.keys()]);
  return s;
}
