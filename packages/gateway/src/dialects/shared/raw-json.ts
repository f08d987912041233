/**
 * The exact source text of each top-level member of a JSON object, as received. Signatures of
 * ScanForPay and PingPong cover the raw text a merchant sent, never a re-serialisation of it.
 * Returns null when the text is not a JSON object.
 */
export function rawTopLevelMembers(text: string): Map<string, string> | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return null;
  const members = new Map<string, string>();
  let i = text.indexOf('{') + 1;
  const skipSpace = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const readString = () => {
    const start = i++;
    while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return text.slice(start, i);
  };
  const readValue = () => {
    const start = i;
    let depth = 0;
    while (i < text.length) {
      const c = text[i]!;
      if (c === '"') {
        readString();
        if (depth === 0) break;
        continue;
      }
      if (c === '{' || c === '[') depth++;
      else if (c === '}' || c === ']') {
        if (depth === 0) break;
        depth--;
        if (depth === 0) {
          i++;
          break;
        }
      } else if (depth === 0 && c === ',') break;
      i++;
    }
    return text.slice(start, i).trim();
  };
  for (;;) {
    skipSpace();
    if (text[i] !== '"') break;
    const key = JSON.parse(readString()) as string;
    skipSpace();
    i++; // ':'
    skipSpace();
    members.set(key, readValue());
    skipSpace();
    if (text[i] === ',') i++;
  }
  return members;
}
