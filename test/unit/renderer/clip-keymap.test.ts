// The Label view's keyboard: which action each key press stands for.
import { describe, expect, it } from 'vitest'
import type { ClassInfo } from '@shared/domain'
import { clipKeyAction, type ClipKeyActions, type KeyPress } from '../../../src/renderer/src/composables/useClipKeymap'

const bird: ClassInfo = {
  id: 1,
  name: 'bird',
  color: '#000000',
  hotkey: '1',
  position: 0,
  clipCount: 0,
  regionCount: 0,
}
const three: ClassInfo = { id: 2, name: '3', color: '#000000', hotkey: '3', position: 1, clipCount: 0, regionCount: 0 }

/** Actions that record what was asked of them. */
function recorder(): { actions: ClipKeyActions; calls: string[] } {
  const calls: string[] = []
  const note =
    (name: string) =>
    (...args: unknown[]) =>
      void calls.push([name, ...args.map(String)].join(' '))
  return {
    calls,
    actions: {
      undo: note('undo'),
      redo: note('redo'),
      seekBy: note('seekBy'),
      toggleFlag: note('toggleFlag'),
      toggleLoop: note('toggleLoop'),
      focusNote: note('focusNote'),
      playPause: note('playPause'),
      step: note('step'),
      zoomBy: note('zoomBy'),
      stepRate: note('stepRate'),
      deleteSelection: note('deleteSelection'),
      dismiss: note('dismiss'),
      toggleHelp: note('toggleHelp'),
      classes: () => [bird, three],
      applyClass: (c) => void calls.push(`applyClass ${c.name}`),
    },
  }
}

const press = (key: string, extra: Partial<KeyPress> = {}): KeyPress => ({
  key,
  ctrlKey: false,
  metaKey: false,
  shiftKey: false,
  altKey: false,
  target: null,
  ...extra,
})

describe('the Label view keymap', () => {
  it.each([
    [press('1'), 'applyClass bird'],
    [press('3'), 'applyClass 3'],
    [press(' '), 'playPause'],
    [press('ArrowDown'), 'step next'],
    [press('ArrowLeft'), 'step previous'],
    [press('ArrowLeft', { shiftKey: true }), 'seekBy -1'],
    [press('U', { shiftKey: true }), 'toggleFlag unsure'],
    [press('z', { ctrlKey: true }), 'undo'],
    [press('Z', { ctrlKey: true, shiftKey: true }), 'redo'],
    [press('y', { metaKey: true }), 'redo'],
    [press(']'), 'stepRate 1'],
    [press('Delete'), 'deleteSelection'],
    [press('Escape'), 'dismiss'],
  ])('%o does %s', (key, expected) => {
    const { actions, calls } = recorder()
    clipKeyAction(key, actions)?.()
    expect(calls).toEqual([expected])
  })

  it('leaves keys typed into a field to the field, and Alt and other Ctrl keys to the browser', () => {
    const { actions } = recorder()
    const field = { tagName: 'INPUT', isContentEditable: false } as unknown as EventTarget
    expect(clipKeyAction(press('1', { target: field }), actions)).toBeUndefined()
    expect(clipKeyAction(press('1', { altKey: true }), actions)).toBeUndefined()
    expect(clipKeyAction(press('s', { ctrlKey: true }), actions)).toBeUndefined()
    expect(clipKeyAction(press('q'), actions)).toBeUndefined()
  })
})
