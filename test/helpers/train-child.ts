// A process that trains in a training worker and prints "epoch N" after each epoch, for tests that
// kill it (SIGKILL) mid-run. Arguments: the spec as JSON, the checkpoint folder, the model folder.
import { startTrainingWorker, type DeepModelSpecInput } from '../../src/main/core/training'
import { bandsDataset } from '../unit/training/synthetic'

const [spec, checkpointDir, modelDir] = process.argv.slice(2) as [string, string, string]
const handle = startTrainingWorker(JSON.parse(spec) as DeepModelSpecInput, bandsDataset(), {
  checkpointDir,
  modelDir,
  engines: ['wasm'],
  onEpoch: (m) => process.stdout.write(`epoch ${m.epoch}\n`),
})
await handle.result
process.stdout.write('done\n')
