/**
 * Reads the small part of YAML our docker-compose.yml and Prometheus files use: block mappings and sequences by
 * indentation, flow sequences and mappings ([a, "b"], { condition: x }), quoted and plain scalars, comments. Anything
 * else (anchors, aliases, block scalars, several documents, tabs) throws, naming the line: the files are kept simple
 * so that a test can hold them to the code without a YAML dependency.
 */
export type Yaml = string | number | boolean | null | Yaml[] | { [key: string]: Yaml };

interface Line {
  number: number;
  indent: number;
  text: string;
}

function stripComment(text: string): string {
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(text[i - 1]!))) return text.slice(0, i);
  }
  return text;
}

function plainScalar(text: string): Yaml {
  if (text === 'true' || text === 'false') return text === 'true';
  if (text === 'null' || text === '~') return null;
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  return text;
}

/** A flow value or a scalar, from `text` at `pos`; returns the value and where it ended. */
function flowValue(text: string, pos: number, where: string, inFlow = true): [Yaml, number] {
  const skip = (p: number) => {
    while (p < text.length && /\s/.test(text[p]!)) p++;
    return p;
  };
  pos = skip(pos);
  const c = text[pos];
  if (c === '[' || c === '{') {
    const close = c === '[' ? ']' : '}';
    const items: Yaml[] = [];
    const map: Record<string, Yaml> = {};
    pos = skip(pos + 1);
    while (text[pos] !== close) {
      if (pos >= text.length) throw new Error(`${where}: unclosed ${c}`);
      if (c === '[') {
        const [value, end] = flowValue(text, pos, where);
        items.push(value);
        pos = skip(end);
      } else {
        const [key, afterKey] = flowValue(text, pos, where);
        pos = skip(afterKey);
        if (text[pos] !== ':') throw new Error(`${where}: expected ":" in a flow mapping`);
        const [value, end] = flowValue(text, pos + 1, where);
        map[String(key)] = value;
        pos = skip(end);
      }
      if (text[pos] === ',') pos = skip(pos + 1);
      else if (text[pos] !== close) throw new Error(`${where}: expected "," or "${close}"`);
    }
    return [c === '[' ? items : map, pos + 1];
  }
  if (c === '"') {
    let end = pos + 1;
    while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
    return [JSON.parse(text.slice(pos, end + 1)) as string, end + 1];
  }
  if (c === "'") {
    let end = pos + 1;
    while (end < text.length && !(text[end] === "'" && text[end + 1] !== "'")) end += text[end] === "'" ? 2 : 1;
    return [text.slice(pos + 1, end).replace(/''/g, "'"), end + 1];
  }
  if (c === '&' || c === '*' || c === '|' || c === '>' || c === '!') throw new Error(`${where}: "${c}" is beyond this reader (keep the file simple)`);
  // A plain scalar ends at the line's end; inside [ ] or { } also at a comma, a closing bracket or a key's colon.
  let end = pos;
  while (end < text.length && !(inFlow && (/[,\]}]/.test(text[end]!) || (text[end] === ':' && (end + 1 === text.length || /\s/.test(text[end + 1]!)))))) end++;
  return [plainScalar(text.slice(pos, end).trim()), end];
}

function scalarOrFlow(text: string, where: string): Yaml {
  const [value, end] = flowValue(text, 0, where, false);
  if (text.slice(end).trim()) throw new Error(`${where}: unexpected "${text.slice(end).trim()}"`);
  return value;
}

/** The key of `key: rest` (the colon followed by a space or the line's end), or undefined when the line is no entry. */
function entry(text: string): [string, string] | undefined {
  const match = /^("(?:[^"\\]|\\.)*"|'[^']*'|[^"'\s][^:]*?)\s*:(?:\s+(.*))?$/.exec(text);
  if (!match) return undefined;
  const key = match[1]!.startsWith('"') ? (JSON.parse(match[1]!) as string) : match[1]!.replace(/^'(.*)'$/, '$1');
  return [key, match[2] ?? ''];
}

function block(lines: Line[], start: number, indent: number): [Yaml, number] {
  const first = lines[start]!;
  if (first.text.startsWith('- ') || first.text === '-') {
    const items: Yaml[] = [];
    let i = start;
    while (i < lines.length && lines[i]!.indent === indent && (lines[i]!.text.startsWith('- ') || lines[i]!.text === '-')) {
      const rest = lines[i]!.text.slice(1).trim();
      if (rest) {
        items.push(scalarOrFlow(rest, `line ${lines[i]!.number}`));
        i++;
      } else if (i + 1 < lines.length && lines[i + 1]!.indent > indent) {
        let item: Yaml;
        [item, i] = block(lines, i + 1, lines[i + 1]!.indent); // "- key: value" and the keys under it
        items.push(item);
      } else {
        items.push(null);
        i++;
      }
    }
    return [items, i];
  }
  const map: Record<string, Yaml> = {};
  let i = start;
  while (i < lines.length && lines[i]!.indent === indent) {
    const line = lines[i]!;
    const kv = entry(line.text);
    if (!kv) throw new Error(`line ${line.number}: expected "key: value"`);
    const [key, rest] = kv;
    if (key in map) throw new Error(`line ${line.number}: "${key}" twice`);
    if (rest) {
      map[key] = scalarOrFlow(rest, `line ${line.number}`);
      i++;
    } else if (i + 1 < lines.length && lines[i + 1]!.indent > indent) {
      [map[key], i] = block(lines, i + 1, lines[i + 1]!.indent);
    } else if (i + 1 < lines.length && lines[i + 1]!.indent === indent && lines[i + 1]!.text.startsWith('- ')) {
      [map[key], i] = block(lines, i + 1, indent); // a sequence may sit at its key's indentation
    } else {
      map[key] = null;
      i++;
    }
  }
  if (i < lines.length && lines[i]!.indent > indent) throw new Error(`line ${lines[i]!.number}: unexpected indentation`);
  return [map, i];
}

export function parseSimpleYaml(source: string): Yaml {
  const lines: Line[] = [];
  source.split('\n').forEach((raw, index) => {
    if (raw.includes('\t')) throw new Error(`line ${index + 1}: tabs are not allowed`);
    if (/^(---|\.\.\.)\s*$/.test(raw)) throw new Error(`line ${index + 1}: one document only`);
    const text = stripComment(raw).trimEnd();
    if (!text.trim()) return;
    const indent = text.length - text.trimStart().length;
    const item = /^-\s+/.exec(text.trimStart());
    const rest = item ? text.trimStart().slice(item[0].length) : '';
    if (item && !/^["'[{]/.test(rest) && entry(rest)) {
      // "- key: value": a sequence item that is a mapping, its first key where the text after "- " starts.
      lines.push({ number: index + 1, indent, text: '-' });
      lines.push({ number: index + 1, indent: indent + item[0].length, text: rest });
    } else lines.push({ number: index + 1, indent, text: text.trim() });
  });
  if (!lines.length) return null;
  const [value, end] = block(lines, 0, lines[0]!.indent);
  if (end < lines.length) throw new Error(`line ${lines[end]!.number}: unexpected indentation`);
  return value;
}
