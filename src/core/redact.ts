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
