/**
 * A file name as one word of a POSIX shell command line, for the commands the CLI prints to copy and run: left bare
 * when it holds only characters no shell treats specially, else in single quotes (a quote inside as '\'').
 */
export function shellWord(text: string): string {
  if (/^[A-Za-z0-9_./:=@%+,-]+$/.test(text)) return text;
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
