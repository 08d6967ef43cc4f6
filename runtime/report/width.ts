/** How wide the table may be: the terminal's width, else `COLUMNS`, else 100; never narrower than 80 (spec section 5). */

export const MIN_WIDTH = 80;
export const DEFAULT_WIDTH = 100;

/**
 * @param terminalColumns stdout's width when stdout is a terminal (undefined otherwise)
 * @param columnsVariable the `COLUMNS` environment variable
 */
export function tableWidth(terminalColumns: number | undefined, columnsVariable: string | undefined): number {
  const fromVariable = /^\s*\d+\s*$/.test(columnsVariable ?? "") ? Number(columnsVariable) : undefined;
  const chosen = [terminalColumns, fromVariable].find((n) => n !== undefined && Number.isSafeInteger(n) && n > 0) ?? DEFAULT_WIDTH;
  return Math.max(MIN_WIDTH, chosen);
}
