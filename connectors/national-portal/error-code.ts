/**
 * The portal's `error_code`, read as the public client reads it: as an integer (`getInt("error_code") == 0`,
 * `GetterUtil.getInteger(...) == 0`), so 0, "0" and "00" all mean success. Absent is not success: the public
 * client checks `has("error_code")` first.
 */
export function isPortalSuccess(answer: unknown): boolean {
  const code = (answer as { error_code?: unknown } | undefined)?.error_code;
  if (typeof code === 'number') return code === 0;
  return typeof code === 'string' && /^\s*[+-]?0+\s*$/.test(code);
}

/** The portal's words about an answer, wherever it puts them. */
export function portalMessageOf(answer: unknown): string {
  const a = answer as Record<string, unknown> | undefined;
  const message = a?.message ?? a?.error_message ?? a?.error ?? a?.msg;
  return typeof message === 'string' ? message : '';
}
