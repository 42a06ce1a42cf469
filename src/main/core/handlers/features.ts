// Feature sets: defining them, computing them into the cache, and one clip's features.
import { withoutUndefined } from './context'
import {
  clipFeatureView,
  computeFeatureSet,
  createFeatureSet,
  getFeatureSet,
  listFeatureSets,
  removeFeatureSet,
  updateFeatureSet,
} from '../feature-sets'
import type { ApiHandlers, ServiceContext } from './context'

/** Feature sets: defining them, computing them into the cache, and one clip's features. */
export function featureHandlers({ now, workers, catalog, jobs, starts, sameJob, featureRunners }: ServiceContext) {
  return {
    'featureSets:list': () => listFeatureSets(catalog().db),
    'featureSets:create': ({ name, pipeline, config }) =>
      createFeatureSet(catalog().db, { name, ...withoutUndefined({ pipeline, config }) }, now()),
    'featureSets:update': ({ id, ...changes }) => updateFeatureSet(catalog().db, id, withoutUndefined(changes), now()),
    'featureSets:remove': ({ id }) => {
      removeFeatureSet(catalog().db, id)
      return { id }
    },
    'featureSets:compute': (input) =>
      starts.start(
        'featureSets:compute',
        'features',
        input,
        (identity) => {
          const project = catalog()
          const { id } = input
          const set = getFeatureSet(project.db, id)
          return jobs.start(
            'features',
            { setId: id, name: set.name, paramsHash: set.paramsHash },
            (context) =>
              computeFeatureSet(project, id, { compute: featureRunners.features, concurrency: workers * 2 }, context),
            identity,
          )
        },
        sameJob,
      ),
    'features:clip': ({ clipId, setId }) => clipFeatureView(catalog(), clipId, setId, featureRunners),
  } satisfies Partial<ApiHandlers>
}
