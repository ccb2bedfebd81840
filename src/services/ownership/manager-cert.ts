// The owner manager's certificate from a 3.3 take_ownership: read as PEM (or bare base64 DER)
// and reduced to the SHA-256 fingerprint the RPC server compares client certificates with.
import { X509Certificate } from 'node:crypto';

/** What managers send when they have no certificate (CloudStack sends the text "None"). */
export function isNoCertificate(text: string | undefined): boolean {
  return text === undefined || text.trim() === '' || text.trim() === 'None';
}

/** The certificate's SHA-256 fingerprint as node prints it (AB:CD:...), or undefined when it is not one. */
export function certificateFingerprint(text: string): string | undefined {
  const t = text.trim();
  const der = t.startsWith('-----BEGIN') ? t : /^[A-Za-z0-9+/=\s]+$/.test(t) ? Buffer.from(t.replace(/\s+/g, ''), 'base64') : undefined;
  if (der === undefined || der.length === 0) return undefined;
  try {
    return new X509Certificate(der).fingerprint256;
  } catch {
    return undefined;
  }
}
