import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import { expect } from 'vitest'
import { ROOT, runEarmark, startServe } from '../helpers/cli'

/** Debian's Chromium; Playwright never downloads its own browser here. */
export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium'

/** Where screenshots are kept as test artifacts. */
export const SCREENSHOTS = join(ROOT, 'test-results', 'screenshots')

/** Launches headless Chromium with the flags this closed network needs. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
}

/** The studio as a person sees it: waits on what is shown, never on sleeps. */
export class StudioPage {
  constructor(readonly page: Page) {}

  /** Opens the URL `earmark serve` printed and waits for the project to show. */
  async open(url: string): Promise<void> {
    await this.page.goto(url)
    await this.waitForProjectOpened()
  }

  async waitForProjectOpened(): Promise<void> {
    await this.page.getByTestId('project-name').waitFor()
  }

  projectName() {
    return this.page.getByTestId('project-name')
  }

  emptyState() {
    return this.page.getByTestId('empty-state')
  }

  async addClass(name: string): Promise<void> {
    await this.page.getByTestId('new-class').fill(name)
    await this.page.getByTestId('add-class').click()
    await this.page.getByTestId(`class-${name}`).waitFor()
  }

  async screenshot(name: string): Promise<string> {
    mkdirSync(SCREENSHOTS, { recursive: true })
    const path = join(SCREENSHOTS, `${name}.png`)
    await this.page.screenshot({ path, fullPage: true })
    return path
  }
}

/**
 * A new project made as a person would with the CLI (init, then import `source` with these
 * options), served with `earmark serve`, and a Chromium to open it in.
 */
export async function serveNewProject(
  project: string,
  name: string,
  source: string,
  importArgs: string[] = [],
): Promise<{ served: Awaited<ReturnType<typeof startServe>>; browser: Browser }> {
  expect(runEarmark(['init', project, '--name', name]).code).toBe(0)
  const imported = runEarmark(['import', project, source, ...importArgs])
  expect(imported.code, imported.stderr).toBe(0)
  return { served: await startServe([project]), browser: await launchChromium() }
}
