// A scripted console: an expect/send conversation with the guest's serial port, for
// system tests and unattended runs. Replies are queued at the exact instruction that
// transmits the end of the awaited text, so a scripted run is as deterministic as the
// machine itself (a person typing, or a pipe, is not).

import type { SerialSink } from './machine.js';

// Every JavaScript runtime has TextEncoder; packages are built without DOM or Node types.
declare const TextEncoder: new () => { encode(text: string): Uint8Array };

export interface ScriptStep {
  /** Text to wait for in the guest's output (after the previous step's match). */
  expect: string;
  /** Bytes to type once it has appeared. */
  send?: string;
}

export class ScriptedConsole implements SerialSink {
  /** Everything the guest transmitted, as bytes. */
  private out: number[] = [];
  /** Output index where the search for the current step starts. */
  private from = 0;
  private step = 0;
  /** The tail of the output being compared with the current `expect`. */
  private window = '';
  /** Called with the step's index when it matches (timestamps, progress). */
  onMatch: (index: number) => void = () => {};

  constructor(
    private readonly steps: readonly ScriptStep[],
    private readonly send: (bytes: Uint8Array) => void,
    private readonly echo: SerialSink | undefined = undefined,
  ) {}

  write(byte: number): void {
    this.out.push(byte);
    this.echo?.write(byte);
    const current = this.steps[this.step];
    if (current === undefined) return;
    this.window += String.fromCharCode(byte);
    if (this.window.length > current.expect.length) this.window = this.window.slice(-current.expect.length);
    if (this.window === current.expect) {
      this.step++;
      this.window = '';
      this.from = this.out.length;
      if (current.send !== undefined) this.send(new TextEncoder().encode(current.send));
      this.onMatch(this.step - 1);
    }
  }

  /** True once every step has matched. */
  get done(): boolean {
    return this.step === this.steps.length;
  }

  /** The step being waited for (undefined when done). */
  get waitingFor(): string | undefined {
    return this.steps[this.step]?.expect;
  }

  /** The output so far, decoded as Latin-1 (bytes map 1:1 to characters). */
  text(): string {
    let s = '';
    for (let i = 0; i < this.out.length; i += 8192) s += String.fromCharCode(...this.out.slice(i, i + 8192));
    return s;
  }

  /** The raw output bytes. */
  bytes(): Uint8Array {
    return Uint8Array.from(this.out);
  }

  /** Output since the last match (diagnostics). */
  sinceLastMatch(): string {
    return this.text().slice(this.from);
  }
}
