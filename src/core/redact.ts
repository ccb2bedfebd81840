// Removes credentials from text that may be logged, stored or answered: the user-info part of
// URLs (https://oracle:pw@host/ -> https://***@host/), wherever in the text they appear.
const URL_USERINFO = /\b([a-z][a-z0-9+.-]{0,30}:\/\/)[^/?#\s@]*@/gi;

export function redactUrlCredentials(text: string): string {
  if (!text.includes('@')) return text;
  return text.replace(URL_USERINFO, '$1***@');
}

/** Cuts text to `max` characters with a marker saying how long it was. */
export function truncateText(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…(truncated, ${text.length} chars)`;
}

/** JSON of a value with big integers as text; over `maxBytes`, a marker saying how big it was. */
export function boundedJson(v: unknown, maxBytes: number): string {
  const json = JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x)) ?? 'null';
  // Characters bound bytes from below; only long texts need the exact count.
  if (json.length * 3 <= maxBytes) return json;
  const bytes = new TextEncoder().encode(json).length;
  return bytes <= maxBytes ? json : JSON.stringify({ truncated: true, bytes });
}
