// Awaits a promise that must fail with an AgentError and returns that error (anything else,
// or no failure at all, fails the test).
import { AgentError } from '../../src/core/errors.js';

export async function failure(p: Promise<unknown>): Promise<AgentError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof AgentError) return e;
    throw e;
  }
  throw new Error('expected a failure');
}
