// Embeddings: a base's vectors of every clip's windows, computed as a job and stored once, and
// search by example over them.
import { withoutUndefined, type ApiHandlers, type ServiceContext } from './context'
import { checkEmbedRequest, embedProject, spaceInfo } from '../embeddings/embed'
import { projectHead } from '../embeddings/head-project'
import { searchEmbeddings, searchSpace } from '../embeddings/search'
import { embedClip, listSpaces, setNegative } from '../catalog/embeddings'
import { EarmarkError } from '../errors'

/** Embeddings: the embed job, the stored spaces, search by example, windows marked as none of the classes, and heads. */
export function embeddingHandlers({ now, catalog, jobs, starts, sameJob }: ServiceContext) {
  return {
    'embeddings:start': (input) =>
      starts.start(
        'embeddings:start',
        'embed',
        input,
        async (identity) => {
          const project = catalog()
          const { idempotencyKey, ...fields } = input
          void idempotencyKey
          const request = withoutUndefined(fields)
          // A base that does not load or a window no clip is long enough for is refused here, before a job exists.
          await checkEmbedRequest(project.db, request)
          return jobs.start(
            'embed',
            { base: request.base, window: request.window ?? null, hop: request.hop ?? null },
            (context) => embedProject(project.db, request, context, now),
            identity,
          )
        },
        sameJob,
      ),
    'embeddings:spaces': () => listSpaces(catalog().db).map(spaceInfo),
    'embeddings:search': ({ clipId, file, start, end, base, top, method, unlabeled }) =>
      searchEmbeddings(
        catalog().db,
        clipId !== undefined
          ? withoutUndefined({ clipId, start, end })
          : withoutUndefined({ file: file as string, start, end }),
        withoutUndefined({ base, top, method, unlabeled }),
      ),
    'embeddings:negative': ({ clipId, start, end, negative }) => {
      const db = catalog().db
      const clip = embedClip(db, clipId)
      if (!clip) throw new EarmarkError('not-found', `Clip ${clipId} not found`)
      if (end > clip.duration + 1e-6) {
        throw new EarmarkError(
          'invalid-input',
          `clip ${clipId} lasts ${clip.duration} s: a window cannot end at ${end} s`,
        )
      }
      setNegative(db, clipId, { start, end }, negative, now())
      return { clipId, start, end, negative }
    },
    'embeddings:head': async ({ base, weakNegativeWeight }) => {
      const db = catalog().db
      const space = await searchSpace(db, base)
      return { space: spaceInfo(space), ...(await projectHead(db, base, { weakNegativeWeight })) }
    },
  } satisfies Partial<ApiHandlers>
}
