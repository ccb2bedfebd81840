// Non-blocking named locks: a second caller on a busy name is refused at once (BUSY), never queued.
import { fail } from '../../core/errors.js';

export class KeyedLock {
  private held = new Set<string>();

  async with<T>(name: string, fn: () => Promise<T>): Promise<T> {
    if (this.held.has(name)) throw fail('BUSY', `${name} is busy with another operation`);
    this.held.add(name);
    try {
      return await fn();
    } finally {
      this.held.delete(name);
    }
  }

  isHeld(name: string): boolean {
    return this.held.has(name);
  }
}
