// Kernel loaders: they write an image into guest RAM and return the CPU entry state.

import { LINUX_HDRS_MAGIC, type LinuxOptions, loadLinux } from './linux.js';
import { type MultibootOptions, findMultibootHeader, loadMultiboot } from './multiboot.js';
import { type EntryState, LoaderError } from './types.js';
import { view } from './util.js';

export { type BzImageHeader, type LinuxOptions, LINUX_BOOT_PARAMS_ADDR, LINUX_CMDLINE_ADDR, LINUX_GDT_ADDR, LINUX_KERNEL_ADDR, loadLinux, parseBzImage } from './linux.js';
export { type MultibootHeader, type MultibootModule, type MultibootOptions, MULTIBOOT_BOOT_MAGIC, MULTIBOOT_HEADER_MAGIC, findMultibootHeader, loadMultiboot } from './multiboot.js';
export { type RawOptions, loadRaw } from './raw.js';
export { type EntryState, type LayoutEntry, LoaderError } from './types.js';

export type KernelFormat = 'bzimage' | 'multiboot' | 'unknown';

/** Recognises a kernel by its signature: "HdrS" at 0x202, else a Multiboot header. */
export function detectKernel(image: Uint8Array): KernelFormat {
  if (image.length >= 0x206 && view(image).getUint32(0x202, true) === LINUX_HDRS_MAGIC) return 'bzimage';
  try {
    if (findMultibootHeader(image) !== undefined) return 'multiboot';
  } catch (err) {
    // A header with a bad checksum is still a Multiboot image: let its loader say why.
    if (err instanceof LoaderError) return 'multiboot';
    throw err;
  }
  return 'unknown';
}

export interface KernelOptions extends LinuxOptions, MultibootOptions {}

/** Loads a bzImage or a Multiboot kernel, whichever `image` is. */
export function loadKernel(ram: Uint8Array, image: Uint8Array, opts: KernelOptions = {}): EntryState {
  switch (detectKernel(image)) {
    case 'bzimage':
      return loadLinux(ram, image, opts);
    case 'multiboot':
      return loadMultiboot(ram, image, opts);
    case 'unknown':
      throw new LoaderError("not a bzImage (no 'HdrS' at 0x202) and no Multiboot header in the first 8 KiB");
  }
}
