/**
 * Text laid out for a terminal of a given width: prose wrapped with a hanging indent, and tables whose columns
 * shrink to fit (wrapping at their break points, or shortening with an ellipsis) rather than run past the edge.
 * Widths count UTF-16 code units: what the report prints is escaped first, so it holds no control characters.
 */

/**
 * Breaks `text` into lines of at most `width` (the lines after the first: `restWidth`), after spaces and commas;
 * a word longer than its line is split.
 */
export function wrap(text: string, width: number, restWidth = width): string[] {
  return breakLines(text.replace(KEEP_TOGETHER, "$1\u00a0$2"), width, restWidth).map((line) => line.replace(/\u00a0/g, " "));
}

/** A size and its unit, a date and its time: never split over two lines. */
const KEEP_TOGETHER = /(\d) (B|KiB|MiB|GiB|TiB|\d\d:\d\d)\b/g;

function breakLines(text: string, width: number, restWidth: number): string[] {
  const words = text.match(/[^ ,]*[ ,]*/g)!.filter(Boolean);
  const lines: string[] = [];
  const room = () => Math.max(1, lines.length ? restWidth : width);
  let line = "";
  for (let word of words) {
    if ((line + word).trimEnd().length <= room()) {
      line += word;
      continue;
    }
    if (line) lines.push(line.trimEnd());
    line = "";
    while (word.trimEnd().length > room()) {
      // After a hyphen, slash, colon or dot where there is one (`member-of-` / `kept`), else where the line ends.
      const soft = Math.max(...["-", "/", ":", "."].map((ch) => word.lastIndexOf(ch, room() - 1)));
      const cut = soft > 0 ? soft + 1 : room();
      lines.push(word.slice(0, cut));
      word = word.slice(cut);
    }
    line = word;
  }
  if (line.trimEnd() || !lines.length) lines.push(line.trimEnd());
  return lines;
}

/** A paragraph: its first line after `indent`, the rest after `indent` plus `hang` spaces, none wider than `width`. */
export function paragraph(text: string, width: number, indent = "", hang = 2): string[] {
  const rest = indent + " ".repeat(hang);
  return wrap(text, width - indent.length, width - rest.length).map((line, i) => (i === 0 ? indent : rest) + line);
}

/** `text` at most `width` long: the middle gives way to `…`, keeping the end (a `.sig`, a version's last digits). */
export function shorten(text: string, width: number): string {
  if (text.length <= width) return text;
  if (width <= 1) return "…".slice(0, width);
  const tail = Math.min(Math.floor((width - 1) / 3), 8);
  return `${text.slice(0, width - 1 - tail)}…${tail ? text.slice(-tail) : ""}`;
}

/** How a column gives way when the table is too wide. */
export type Give =
  /** Never narrower than its widest cell. */
  | { kind: "fixed" }
  /**
   * Wraps its cells onto more lines, down to `min` columns; with `words`, never narrower than its longest word (split
   * only after a space, comma, hyphen, slash, colon or dot), so that no word (a reason code's part) is cut.
   */
  | { kind: "wrap"; min: number; words?: boolean }
  /** A list (tags): wraps between items, and items longer than the column are shortened with an ellipsis, first down to `preferred`. */
  | { kind: "list"; preferred: number; min: number }
  /** Switches to its narrow form (a date without its time) when the table does not fit. */
  | { kind: "narrow"; header: string; cell: (wide: string) => string };

export interface Column {
  header: string;
  give: Give;
  /**
   * When the table cannot fit even at every column's floor, this column leaves it: each row's cell is written under
   * the row, after this label (`policy #1,#2`).
   */
  below?: string;
}

/** Written under a row, from the second column to the edge: a list (the workloads that keep an image) and how many more. */
export interface Note {
  items: string[];
  /** Beyond `items`: counted, not named. */
  more: number;
}

/** A row takes at most this many lines with its note, unless its own cells need more. */
export const ROW_LINES = 3;

/** A cell: text, or for a `list` column its items. */
export type Cell = string | string[];

const GAP = "  ";

/** The longest run a `wrap` column cannot break: its words, split after `-`, `/`, `:` and `.` as wrap() may. */
function longestWord(cell: Cell): number {
  let longest = 0;
  for (const word of cellText(cell).split(/[ ,]+/)) for (const part of word.split(/(?<=[-/:.])/)) longest = Math.max(longest, part.length);
  return longest;
}

/**
 * A column's floor: how narrow it may get. A list keeps every item of up to `preferred` characters whole (longer ones
 * are shortened, down to `min`); a `words` column keeps its words whole.
 */
function floorOf(column: Column, natural: number, cells: Cell[]): number {
  const give = column.give;
  if (give.kind === "list") {
    let whole = 0;
    for (const cell of cells) for (const item of typeof cell === "string" ? [cell] : cell) if (item.length <= give.preferred) whole = Math.max(whole, item.length);
    return Math.min(natural, Math.max(give.min, whole, column.header.length));
  }
  if (give.kind !== "wrap") return natural;
  const words = give.words ? cells.reduce((w, cell) => Math.max(w, longestWord(cell)), 0) : 0;
  return Math.min(natural, Math.max(give.min, words, column.header.length));
}

/** The note's lines within `width`, at most `lines`: as many items as fit, the rest counted (`and 2 more`). */
function noteLines(note: Note, width: number, lines: number): string[] {
  const text = (k: number) => {
    const more = note.items.length - k + note.more;
    return note.items.slice(0, k).join(", ") + (more > 0 ? `${k ? " and " : ""}${more.toLocaleString("en")} more` : "");
  };
  for (let k = note.items.length; k > 0; k--) {
    const out = wrap(text(k), width);
    if (out.length <= lines) return out;
  }
  // Not even one item fits: the first, shortened to one line, and the rest counted.
  const rest = note.items.length - 1 + note.more;
  const suffix = rest > 0 ? ` and ${rest.toLocaleString("en")} more` : "";
  return note.items.length ? [shorten(note.items[0], Math.max(1, width - suffix.length)) + suffix] : wrap(text(0), width);
}

function cellText(cell: Cell): string {
  return typeof cell === "string" ? cell : cell.join(",");
}

function cellLines(cell: Cell, column: Column, width: number): string[] {
  if (column.give.kind === "list" && typeof cell !== "string") {
    const items = cell.map((item) => shorten(item, width));
    const lines: string[] = [];
    for (const item of items) {
      const last = lines.length - 1;
      if (last >= 0 && lines[last].length + 1 + item.length <= width) lines[last] += `,${item}`;
      else lines.push(item);
    }
    return lines.length ? lines : [""];
  }
  const text = cellText(cell);
  return column.give.kind === "wrap" ? wrap(text, width) : [text];
}

/**
 * Widths for the columns that give way (`cells[k]`: column k's cells, row by row) within `spare` columns in all,
 * each from its floor to its natural width: the split that costs least, a cost being a line added to a row or an
 * item shortened; on a tie the later columns get the room. Rows are grouped by their cells and costs cached, so a
 * long table costs little.
 */
function bestSplit(cells: Cell[][], columns: Column[], floors: number[], naturals: number[], spare: number): number[] {
  const groups = new Map<string, { cells: Cell[]; n: number }>();
  for (let row = 0; row < (cells[0]?.length ?? 0); row++) {
    // A list's lines depend only on its items' lengths: rows whose tags differ but not in length cost the same.
    const mine = cells.map((column) => {
      const cell = column[row];
      return typeof cell === "string" ? cell : cell.map((item) => "x".repeat(item.length));
    });
    const key = JSON.stringify(mine);
    const group = groups.get(key);
    if (group) group.n++;
    else groups.set(key, { cells: mine, n: 1 });
  }
  const cache = new Map<string, { lines: number; shortened: number }>();
  const costOf = (cell: Cell, k: number, w: number) => {
    const key = `${k}\u0000${w}\u0000${JSON.stringify(cell)}`;
    let c = cache.get(key);
    if (c === undefined) {
      const shortened = typeof cell === "string" ? 0 : cell.filter((item) => item.length > w).length;
      cache.set(key, (c = { lines: cellLines(cell, columns[k], w).length, shortened }));
    }
    return c;
  };
  const cost = (widths: number[]) =>
    [...groups.values()].reduce((sum, g) => {
      const each = g.cells.map((cell, k) => costOf(cell, k, widths[k]));
      return sum + g.n * (Math.max(...each.map((c) => c.lines)) + each.reduce((n, c) => n + c.shortened, 0));
    }, 0);
  let best = floors;
  let bestCost = Number.POSITIVE_INFINITY;
  const search = (k: number, chosen: number[], left: number) => {
    const last = k === cells.length - 1;
    const room = left - floors.slice(k + 1).reduce((a, b) => a + b, 0);
    const top = last ? Math.max(floors[k], Math.min(naturals[k], left)) : Math.max(floors[k], Math.min(naturals[k], room));
    for (let w = last ? top : floors[k]; w <= top; w++) {
      if (last) {
        const widths = [...chosen, w];
        const c = cost(widths);
        if (c <= bestCost) [best, bestCost] = [widths, c];
      } else search(k + 1, [...chosen, w], left - w);
    }
  };
  if (cells.length) search(0, [], spare);
  return best;
}

/**
 * The table's lines, each `indent` + columns: at their natural widths when that fits in `width`. Otherwise, in
 * turn until it fits: `list` columns give way to `preferred` (their items shortened), `narrow` columns switch to
 * their narrow form, and the `wrap` and `list` columns share what is left the way that adds the fewest lines.
 */
export function table(allColumns: Column[], allRows: Cell[][], width: number, indent = "  ", notes: (Note | undefined)[] = []): string[] {
  let columns = allColumns;
  let rows = allRows;
  let narrow = false;
  const displayed = (cell: Cell, column: Column): Cell => (narrow && column.give.kind === "narrow" ? column.give.cell(cellText(cell)) : cell);
  const headerOf = (column: Column) => (narrow && column.give.kind === "narrow" ? column.give.header : column.header);
  // Loops, not spreads: a table of a hundred thousand rows would overflow the call stack.
  const natural = () => columns.map((column, i) => rows.reduce((w, row) => Math.max(w, cellText(displayed(row[i], column)).length), headerOf(column).length));
  const total = (widths: number[]) => indent.length + widths.reduce((a, b) => a + b, 0) + GAP.length * (widths.length - 1);

  let widths = natural();
  const capLists = () => columns.forEach((column, i) => column.give.kind === "list" && (widths[i] = Math.min(widths[i], Math.max(column.give.preferred, column.header.length))));
  if (total(widths) > width) capLists();
  if (total(widths) > width && columns.some((c) => c.give.kind === "narrow")) {
    narrow = true;
    widths = natural();
    capLists();
  }
  const floorsFit = () => total(columns.map((column, i) => floorOf(column, widths[i], rows.map((row) => displayed(row[i], column))))) <= width;
  // Columns that can go under their rows leave, from the right, while even the floors do not fit.
  const below: { label: string; cells: Cell[] }[] = [];
  while (total(widths) > width && !floorsFit() && columns.some((c) => c.below !== undefined)) {
    const i = columns.map((c) => c.below !== undefined).lastIndexOf(true);
    below.unshift({ label: columns[i].below!, cells: rows.map((row) => row[i]) });
    columns = columns.filter((_, k) => k !== i);
    rows = rows.map((row) => row.filter((_, k) => k !== i));
    widths = widths.filter((_, k) => k !== i);
  }
  if (total(widths) > width) {
    const flexible = columns.flatMap((column, i) => (column.give.kind === "wrap" || column.give.kind === "list" ? [i] : []));
    const floors = flexible.map((i) => floorOf(columns[i], widths[i], rows.map((row) => displayed(row[i], columns[i]))));
    const spare = width - total(widths) + flexible.reduce((n, i) => n + widths[i], 0);
    const cells = flexible.map((i) => rows.map((row) => displayed(row[i], columns[i])));
    const chosen = bestSplit(cells, flexible.map((i) => columns[i]), floors, flexible.map((i) => widths[i]), spare);
    flexible.forEach((column, k) => (widths[column] = chosen[k]));
  }

  const out: string[] = [];
  const header = columns.map(headerOf);
  // Notes start under the second column, as a unit's members (`└ `) start under the first.
  const noteIndent = indent + " ".repeat((widths[0] ?? 0) + GAP.length);
  for (let r = -1; r < rows.length; r++) {
    const row = r < 0 ? header : rows[r];
    const cells = columns.map((column, i) => (r < 0 ? [header[i]] : cellLines(displayed(row[i], column), column, widths[i])));
    const height = Math.max(...cells.map((c) => c.length));
    for (let line = 0; line < height; line++) {
      out.push((indent + cells.map((c, i) => (c[line] ?? "").padEnd(i === cells.length - 1 ? 0 : widths[i])).join(GAP)).trimEnd());
    }
    if (r < 0) continue;
    const room = width - noteIndent.length;
    for (const { label, cells: moved } of below) {
      const text = cellText(moved[r]);
      if (text) out.push(...wrap(`${label} ${text}`, room).map((line) => noteIndent + line));
    }
    const note = notes[r];
    if (note && (note.items.length || note.more)) {
      out.push(...noteLines(note, room, Math.max(1, ROW_LINES - height)).map((line) => noteIndent + line));
    }
  }
  return out;
}
