import { onMounted, onScopeDispose } from 'vue'
import type { ClassInfo } from '@shared/domain'

/** What the Label view's keys do; the view supplies each action. */
export interface ClipKeyActions {
  undo(): void
  redo(): void
  /** Moves the playhead by seconds. */
  seekBy(seconds: number): void
  toggleFlag(flag: 'unsure' | 'badAudio'): void
  toggleLoop(): void
  focusNote(): void
  playPause(): void
  step(direction: 'next' | 'previous'): void
  zoomBy(factor: number): void
  stepRate(direction: 1 | -1): void
  deleteSelection(): void
  /** Clears the selection and closes the shortcut help. */
  dismiss(): void
  toggleHelp(): void
  /** The classes, each with its hotkey (if any). */
  classes(): readonly ClassInfo[]
  applyClass(c: ClassInfo): void
}

/** The parts of a key press the keymap reads (a KeyboardEvent has them). */
export interface KeyPress {
  key: string
  ctrlKey: boolean
  metaKey: boolean
  shiftKey: boolean
  altKey: boolean
  target: EventTarget | null
}

/**
 * The action a key press stands for in the Label view, or undefined when the key is not the
 * view's: typing into a field is the field's, and keys with Alt (or Ctrl other than undo and redo)
 * belong to the browser.
 */
export function clipKeyAction(press: KeyPress, actions: ClipKeyActions): (() => void) | undefined {
  const target = press.target as HTMLElement | null
  if (target && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName))) return undefined
  const ctrl = press.ctrlKey || press.metaKey
  const key = press.key
  if (ctrl && key.toLowerCase() === 'z') return press.shiftKey ? actions.redo : actions.undo
  if (ctrl && key.toLowerCase() === 'y') return actions.redo
  if (ctrl || press.altKey) return undefined
  if (press.shiftKey) {
    const shifted: Record<string, () => void> = {
      ArrowLeft: () => actions.seekBy(-1),
      ArrowRight: () => actions.seekBy(1),
      U: () => actions.toggleFlag('unsure'),
      B: () => actions.toggleFlag('badAudio'),
      L: actions.toggleLoop,
      N: actions.focusNote,
    }
    if (shifted[key]) return shifted[key]
  }
  const plain: Record<string, () => void> = {
    ' ': actions.playPause,
    ArrowRight: () => actions.step('next'),
    ArrowDown: () => actions.step('next'),
    ArrowLeft: () => actions.step('previous'),
    ArrowUp: () => actions.step('previous'),
    '=': () => actions.zoomBy(1.5),
    '+': () => actions.zoomBy(1.5),
    '-': () => actions.zoomBy(1 / 1.5),
    '[': () => actions.stepRate(-1),
    ']': () => actions.stepRate(1),
    Delete: actions.deleteSelection,
    Backspace: actions.deleteSelection,
    Escape: actions.dismiss,
    '?': actions.toggleHelp,
  }
  if (plain[key]) return plain[key]
  const classInfo = actions.classes().find((c) => c.hotkey === key.toLowerCase())
  return classInfo ? () => actions.applyClass(classInfo) : undefined
}

/** Binds the Label view's keys on the window for as long as the calling component lives. */
export function useClipKeymap(actions: ClipKeyActions): void {
  const onKey = (event: KeyboardEvent): void => {
    const action = clipKeyAction(event, actions)
    if (!action) return
    event.preventDefault()
    action()
  }
  onMounted(() => window.addEventListener('keydown', onKey))
  onScopeDispose(() => window.removeEventListener('keydown', onKey))
}
