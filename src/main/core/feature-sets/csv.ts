import { createWriteStream } from 'node:fs'
import { once } from 'node:events'
import type { Catalog } from '../catalog/open'
import { featureClipsById } from '../catalog/feature-sets'
import { escapeCell } from '../interchange/formats'
import type { SummaryMatrix } from './matrix'

/** A CSV field: quoted (JSON-style double quotes doubled) when it holds a comma, quote or newline. */
function field(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value
}

/**
 * Writes a summary matrix as CSV: `path,label,split`, then the named feature columns
 * (`mfcc_3_mean`…), one row per clip (per piece when the set segments: `start,end` in seconds of
 * the original clip then follow `split`). Labels are class names joined by `;`; NaN is an empty
 * field. Numbers are written in full (shortest round-trip form).
 */
export async function writeSummaryCsv(catalog: Catalog, matrix: SummaryMatrix, out: string): Promise<number> {
  const ids = [...new Set(matrix.rowClipIds)]
  const clips = new Map(featureClipsById(catalog.db, ids).map((c) => [c.id, c]))
  const counts = new Map<number, number>()
  for (const id of matrix.rowClipIds) counts.set(id, (counts.get(id) ?? 0) + 1)
  const segmented = [...counts.values()].some((n) => n > 1) || matrix.nRows !== ids.length
  const stream = createWriteStream(out)
  const write = async (line: string) => {
    if (!stream.write(`${line}\n`)) await once(stream, 'drain')
  }
  await write(['path', 'label', 'split', ...(segmented ? ['start', 'end'] : []), ...matrix.names].join(','))
  for (let r = 0; r < matrix.nRows; r++) {
    const clip = clips.get(matrix.rowClipIds[r] as number)
    const values: string[] = []
    for (let j = 0; j < matrix.nCols; j++) {
      const v = matrix.data[r * matrix.nCols + j] as number
      values.push(Number.isNaN(v) ? '' : String(v))
    }
    const times = segmented ? [String(matrix.rowStarts[r]), String(matrix.rowEnds[r])] : []
    // Paths and labels are the user's text: a leading = + - @ must not become a spreadsheet formula.
    const text = (value: string) => field(escapeCell(value))
    await write([text(clip?.path ?? ''), text(clip?.label ?? ''), clip?.split ?? '', ...times, ...values].join(','))
  }
  stream.end()
  await once(stream, 'finish')
  return matrix.nRows
}
