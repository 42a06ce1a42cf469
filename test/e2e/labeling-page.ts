import type { Locator } from 'playwright-core'
import { StudioPage } from './studio'

/** The labeling screen as a person drives it: keys, drags on the waveform and the spectrogram. */
export class LabelingPage extends StudioPage {
  /** Imports a folder through the Import screen, with no labels, and waits for the summary. */
  async importFolder(folder: string): Promise<number> {
    await this.page.getByTestId('tab-import').click()
    await this.page.getByTestId('import-source').fill(folder)
    await this.page.getByTestId('import-labels-from').selectOption('none')
    await this.page.getByTestId('import-preview').click()
    await this.page.getByTestId('import-start').click()
    const added = this.page.getByTestId('summary-added')
    await added.waitFor({ timeout: 30_000 })
    return Number(await added.textContent())
  }

  /** Opens the labeling screen and waits for its first clip's waveform. */
  async openLibrary(): Promise<void> {
    await this.page.getByTestId('tab-library').click()
    await this.waitForDrawn()
  }

  clipName(): Locator {
    return this.page.getByTestId('clip-name')
  }

  /** Waits until the waveform of the shown clip (or of clip `id`) is drawn. */
  async waitForDrawn(id?: number): Promise<number> {
    const selector = id === undefined ? '[data-drawn-clip]' : `[data-drawn-clip="${id}"]`
    const waveform = this.page.locator(selector)
    await waveform.waitFor()
    return Number(await waveform.getAttribute('data-drawn-clip'))
  }

  /** Waits until clip `name` is shown with its waveform drawn; returns its id. */
  async waitForClip(name: string): Promise<number> {
    await this.page.locator('[data-testid="clip-name"]', { hasText: name }).waitFor()
    return this.waitForDrawn()
  }

  /** Waits until the spectrogram of the shown clip is drawn for its current window. */
  async waitForSpectrogram(): Promise<void> {
    await this.page.locator('[data-testid="spectrogram"][data-state="ready"]').waitFor()
  }

  /** Presses a key on the page (not in a field) and waits for the next clip's waveform when asked. */
  async press(key: string): Promise<void> {
    await this.page.keyboard.press(key)
  }

  /** Drags with the mouse between two points given as fractions of an element's box. */
  async dragIn(target: Locator, from: [number, number], to: [number, number]): Promise<void> {
    const box = await target.boundingBox()
    if (!box) throw new Error('the drag target is not visible')
    const at = ([fx, fy]: [number, number]) => [box.x + fx * box.width, box.y + fy * box.height] as const
    const [x0, y0] = at(from)
    const [x1, y1] = at(to)
    await this.page.mouse.move(x0, y0)
    await this.page.mouse.down()
    for (let step = 1; step <= 8; step++) {
      await this.page.mouse.move(x0 + ((x1 - x0) * step) / 8, y0 + ((y1 - y0) * step) / 8)
    }
    await this.page.mouse.up()
  }

  /** Drags by a pixel offset from the centre of an element. */
  async dragBy(target: Locator, dx: number, dy: number): Promise<void> {
    const box = await target.boundingBox()
    if (!box) throw new Error('the drag target is not visible')
    const x0 = box.x + box.width / 2
    const y0 = box.y + box.height / 2
    await this.page.mouse.move(x0, y0)
    await this.page.mouse.down()
    for (let step = 1; step <= 8; step++) await this.page.mouse.move(x0 + (dx * step) / 8, y0 + (dy * step) / 8)
    await this.page.mouse.up()
  }

  waveform(): Locator {
    return this.page.getByTestId('waveform')
  }

  boxLayer(): Locator {
    return this.page.getByTestId('box-layer')
  }

  /** Rows of the region list: time-only regions and boxes. */
  regionRows(kind: 'region' | 'box'): Locator {
    return this.page.locator(`[data-testid="region-list"] tr[data-kind="${kind}"]`)
  }

  /** Calls an API method the way the page does (serve mode: POST /api/<method>). */
  async api<T>(method: string, input: unknown = {}): Promise<T> {
    return this.page.evaluate(
      async ([name, body]) => {
        const response = await fetch(`/api/${name}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(body),
          credentials: 'same-origin',
        })
        const result = (await response.json()) as { ok: boolean; value?: unknown; error?: { message: string } }
        if (!result.ok) throw new Error(result.error?.message ?? 'API call failed')
        return result.value
      },
      [method, input] as const,
    ) as Promise<T>
  }
}
