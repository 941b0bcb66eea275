/**
 * A mistake in how the command was called (bad option, missing file, number out of range).
 * `main` prints its message as one `vmm86: …` line and exits with status 2; anything else
 * that escapes is a bug and is reported the same way, without a stack trace.
 */
export class UsageError extends Error {
  override name = 'UsageError';
}
