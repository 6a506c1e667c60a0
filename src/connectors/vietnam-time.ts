/** Vietnam keeps UTC+7 all year (Asia/Ho_Chi_Minh, no daylight saving). */
const offsetMs = 7 * 3_600_000;

/**
 * yyyyMMddHHmmss in Asia/Ho_Chi_Minh: the compact date-time the national portal, VNPAY and VNPost all use.
 * Takes an ISO 8601 string (any offset) or epoch milliseconds.
 */
export function toCompactVnTime(time: string | number): string {
  const ms = typeof time === 'number' ? time : Date.parse(time);
  return new Date(ms + offsetMs).toISOString().slice(0, 19).replace(/[-T:]/g, '');
}

/** yyyyMMddHHmmss (Asia/Ho_Chi_Minh) → ISO 8601 UTC; undefined when it is not such a date-time. */
export function fromCompactVnTime(text: string): string | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(text);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}+07:00`);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/** The calendar day (YYYY-MM-DD) a timestamp falls on in Vietnam: settlement files are per local day. */
export const vnDayOf = (iso: string) => new Date(Date.parse(iso) + offsetMs).toISOString().slice(0, 10);
