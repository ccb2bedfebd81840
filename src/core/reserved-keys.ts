// Names that must never become keys of plain objects: the members of Object.prototype and
// `prototype`. A wire name equal to one of them is refused wherever names or struct keys arrive.
const RESERVED: ReadonlySet<string> = new Set([...Object.getOwnPropertyNames(Object.prototype), 'prototype']);

export function isReservedKey(name: string): boolean {
  return RESERVED.has(name);
}

/** The path of the first struct member with a reserved name in a decoded value, or undefined. */
export function findReservedKey(value: unknown, path: string[] = [], depth = 0): string[] | undefined {
  if (value === null || typeof value !== 'object' || depth > 256) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const hit = findReservedKey(value[i], [...path, String(i)], depth + 1);
      if (hit) return hit;
    }
    return undefined;
  }
  if (value instanceof Date || value instanceof Uint8Array) return undefined;
  for (const key of Object.keys(value)) {
    if (RESERVED.has(key)) return [...path, key];
    const hit = findReservedKey((value as Record<string, unknown>)[key], [...path, key], depth + 1);
    if (hit) return hit;
  }
  return undefined;
}
