// Long-running jobs of every kind: listing, following and cancelling them.
import { getJob, getJobDetail, listJobs, requestJobCancel } from '../catalog/jobs'
import type { ApiHandlers, ServiceContext } from './context'

/** Long-running jobs of every kind: listing, following and cancelling them. */
export function jobHandlers({ events, now, catalog, jobs }: ServiceContext) {
  return {
    'jobs:list': ({ limit, active }) => {
      jobs.endOrphans()
      return listJobs(catalog().db, limit, active)
    },
    'jobs:get': ({ id }) => getJobDetail(catalog().db, id),
    'jobs:cancel': ({ id }) => {
      if (jobs.cancel(id)) return getJob(catalog().db, id)
      const job = requestJobCancel(catalog().db, id, now())
      if (job.state === 'cancelled') events.emit('job:state', job)
      return job
    },
  } satisfies Partial<ApiHandlers>
}
