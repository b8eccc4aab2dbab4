/** Content-Security-Policy nonces for the webviews: unguessable, so from the OS's random source. */
import { randomBytes } from 'crypto';

export function makeNonce(): string {
  return randomBytes(24).toString('base64url');
}
