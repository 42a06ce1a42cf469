// Every CSV Earmark writes goes through here, so that a cell of the user's text (a path, a class
// name, a note) can never become a spreadsheet formula, whichever file it lands in.
import { stringify } from 'csv-stringify/sync'

/**
 * A text cell made inert for spreadsheets: one starting with = + - @ (or a tab or carriage return,
 * which some spreadsheets skip before reading a formula) gets a leading apostrophe, OWASP's advice
 * for CSV injection. `unescapeCell` undoes it when Earmark reads its own files back.
 */
export const escapeCell = (value: string): string => (/^[=+\-@\t\r]/.test(value) ? `'${value}` : value)
/** Undoes escapeCell. */
export const unescapeCell = (value: string): string => (/^'[=+\-@\t\r]/.test(value) ? value.slice(1) : value)

/** A cell: text (escaped), a number (written in full; NaN empty), or nothing. */
export type CsvCell = string | number | null

const cellText = (value: CsvCell): string =>
  typeof value === 'number' ? (Number.isNaN(value) ? '' : String(value)) : value === null ? '' : escapeCell(value)

/** Rows (the header first) as CSV text, quoted where a cell needs it and with text cells escaped. */
export function csvText(rows: readonly (readonly CsvCell[])[]): string {
  return stringify(rows.map((row) => row.map(cellText)))
}
