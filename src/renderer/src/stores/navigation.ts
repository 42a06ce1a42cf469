import { defineStore } from 'pinia'
import { ref } from 'vue'

/** The studio's screens. */
export type View = 'project' | 'library' | 'import' | 'features' | 'models' | 'explore'

/** Which screen is shown. */
export const useNavigationStore = defineStore('navigation', () => {
  const view = ref<View>('project')
  return { view, go: (next: View) => (view.value = next) }
})
