import { randomBytes } from 'node:crypto';

/** The access tokens a simulated platform has issued, each valid until its expiry or until revoked. */
export class IssuedTokens {
  private readonly expiries = new Map<string, number>();

  constructor(private readonly lifetimeSeconds: number) {}

  issue(): { access_token: string; token_type: 'Bearer'; expires_in: number; scope: string } {
    const token = randomBytes(18).toString('hex');
    this.expiries.set(token, Date.now() + this.lifetimeSeconds * 1000);
    return { access_token: token, token_type: 'Bearer', expires_in: this.lifetimeSeconds, scope: 'default' };
  }

  isValid(token: string): boolean {
    const expiry = this.expiries.get(token);
    if (expiry === undefined) return false;
    if (expiry >= Date.now()) return true;
    this.expiries.delete(token);
    return false;
  }

  /** Every token issued so far stops working (a platform restart, a key rotated): the next call must fetch a new one. */
  revokeAll(): number {
    const count = this.expiries.size;
    this.expiries.clear();
    return count;
  }
}
