// The codec decodes structs to null-prototype objects: expected values written as object
// literals are converted the same way before a strict comparison.
export function nullProto<T>(v: T): T {
  if (Array.isArray(v)) return v.map(nullProto) as T;
  if (v === null || typeof v !== 'object' || v instanceof Date || v instanceof Uint8Array) return v;
  const out = Object.create(null) as Record<string, unknown>;
  for (const k of Object.keys(v)) out[k] = nullProto((v as Record<string, unknown>)[k]);
  return out as T;
}
