/** A remote's answer as JSON, or undefined when it is not JSON (an HTML error page, an empty body). */
export function jsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
