import { createWriteStream } from 'node:fs'
import { once } from 'node:events'
import type { Catalog } from '../catalog/open'
import { featureClipsById } from '../catalog/feature-sets'
import { csvText, type CsvCell } from '../csv'
import type { SummaryMatrix } from './matrix'

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
  const write = async (cells: CsvCell[]) => {
    if (!stream.write(csvText([cells]))) await once(stream, 'drain')
  }
  await write(['path', 'label', 'split', ...(segmented ? ['start', 'end'] : []), ...matrix.names])
  for (let r = 0; r < matrix.nRows; r++) {
    const clip = clips.get(matrix.rowClipIds[r] as number)
    const values = Array.from(matrix.data.subarray(r * matrix.nCols, (r + 1) * matrix.nCols))
    const times = segmented ? [matrix.rowStarts[r] as number, matrix.rowEnds[r] as number] : []
    await write([clip?.path ?? '', clip?.label ?? '', clip?.split ?? '', ...times, ...values])
  }
  stream.end()
  await once(stream, 'finish')
  return matrix.nRows
}
