/**
 * Text from the registry (tags, repository names, failure reasons) and from the config (policy names), made safe
 * to print: control characters (C0, DEL, C1), the Unicode line separators and the bidi controls are shown escaped
 * (`\n`, `\t`, `\x1b`, `\u202e`), so that a tag with a newline cannot forge a report line and an escape sequence
 * cannot drive the terminal. The JSON report keeps values as they are (JSON.stringify escapes what JSON must).
 */

// C0, DEL and C1; U+2028/U+2029 (line and paragraph separators); the bidi embeddings, overrides and isolates.
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

function escaped(ch: string): string {
  const code = ch.charCodeAt(0);
  return NAMED[ch] ?? (code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16).padStart(4, "0")}`);
}

export function escapeControls(text: string): string {
  return text.replace(UNPRINTABLE, escaped);
}

/** Each line escaped on its own: for messages whose line breaks are ours (the usage text, a YAML error's excerpt). */
export function escapeControlsPerLine(text: string): string {
  return text.split("\n").map(escapeControls).join("\n");
}
