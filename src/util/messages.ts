// Error messages of the readers of outside data are one line and name the file; names and text
// taken from a file (tar member names, MAT variable names, ids) may hold anything: they go through these.

/** A name taken from a file, quoted with control characters escaped, so a message stays one line. */
export function quoted(name: string, max = 200): string {
  const q = JSON.stringify(name).replace(/[\u0085\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return q.length > max ? `${q.slice(0, max)}..."` : q;
}

export function oneLine(s: string): string {
  return s.replace(/\s*[\r\n\u0085\u2028\u2029]+\s*/g, ' ').trim();
}

/** A message from elsewhere (a JSON parser quoting the text it choked on, a library's error), made one line and short. */
export function brief(s: string, max = 200): string {
  const one = oneLine(s);
  return one.length > max ? `${one.slice(0, max)}...` : one;
}

/** A name as it is when it is plain printable text, quoted (and escaped) otherwise. */
export function shown(name: string): string {
  return /^[\x21-\x7e]{1,200}$/.test(name) ? name : quoted(name);
}
