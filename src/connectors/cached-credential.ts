/** A credential and until when it may be used (Infinity: until the remote refuses it). */
export interface IssuedCredential {
  value: string;
  expiresAt: number;
}

/**
 * A credential a remote system issues (a token, a session): kept until it expires or the remote refuses it,
 * fetched once for all concurrent callers, and dropped on refusal unless a concurrent caller already replaced it.
 */
export class CachedCredential {
  private current?: IssuedCredential;
  private pending?: Promise<IssuedCredential>;

  constructor(private readonly issue: () => Promise<IssuedCredential>) {}

  async get(): Promise<string> {
    if (this.current && this.current.expiresAt > Date.now()) return this.current.value;
    this.pending ??= this.issue().finally(() => (this.pending = undefined));
    this.current = await this.pending;
    return this.current.value;
  }

  /** The remote refused `value`: forget it, so the next call fetches a fresh one. */
  invalidate(value: string): void {
    if (this.current?.value === value) this.current = undefined;
  }
}
