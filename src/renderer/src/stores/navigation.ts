import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { ModelsTab, View } from '../lib/route'

export type { ModelsTab, View } from '../lib/route'

/** Which screen is shown, and which part of the Models screen. */
export const useNavigationStore = defineStore('navigation', () => {
  const view = ref<View>('project')
  const modelsTab = ref<ModelsTab>('train')
  return {
    view,
    modelsTab,
    go: (next: View) => (view.value = next),
    goModels: (tab: ModelsTab) => {
      view.value = 'models'
      modelsTab.value = tab
    },
  }
})
