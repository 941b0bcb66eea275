// The pmap: guest-physical page -> host-physical page, and back. Filled by the vmm (at
// start-up or lazily through ShadowMmuPorts.resolveGuestPage). -1 means "no page".
// Changing an existing mapping must go through ShadowMmu.mapGuestPage/unmapGuestPage so
// shadow entries pointing at the old host page are dropped first.

export class Pmap {
  readonly toHost: Int32Array;
  readonly toGuest: Int32Array;

  constructor(guestPages: number, hostPages: number) {
    this.toHost = new Int32Array(guestPages).fill(-1);
    this.toGuest = new Int32Array(hostPages).fill(-1);
  }

  hostOf(gpn: number): number {
    return gpn < this.toHost.length ? (this.toHost[gpn] as number) : -1;
  }

  guestOf(hpn: number): number {
    return hpn < this.toGuest.length ? (this.toGuest[hpn] as number) : -1;
  }

  set(gpn: number, hpn: number): void {
    if (gpn < 0 || gpn >= this.toHost.length) throw new RangeError(`guest page ${gpn} out of range`);
    if (hpn < 0 || hpn >= this.toGuest.length) throw new RangeError(`host page ${hpn} out of range`);
    const other = this.toGuest[hpn] as number;
    // One host page backs at most one guest page: the backmap is per guest page, so an
    // alias would escape trace downgrades.
    if (other >= 0 && other !== gpn) throw new Error(`host page ${hpn} already backs guest page ${other}`);
    const old = this.toHost[gpn] as number;
    if (old >= 0) this.toGuest[old] = -1;
    this.toHost[gpn] = hpn;
    this.toGuest[hpn] = gpn;
  }

  clear(gpn: number): void {
    const old = this.hostOf(gpn);
    if (old < 0) return;
    this.toGuest[old] = -1;
    this.toHost[gpn] = -1;
  }
}
