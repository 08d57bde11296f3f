// Calls to the core that are meant to fail.
import { CoreError } from '../../src/core/index.ts';

/** The rejection a call ends in, as a CoreError; anything else fails the test. */
export async function failure(p: Promise<unknown>): Promise<CoreError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof CoreError) return err;
    throw err;
  }
  throw new Error('expected the call to fail');
}
