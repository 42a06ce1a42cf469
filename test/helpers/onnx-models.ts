// Tiny ONNX models written byte by byte (the protobuf wire format of onnx.proto), so that tests of
// ONNX bases need neither a download nor Python: a projection of audio samples, and models whose
// output is not an embedding.
import { writeFileSync } from 'node:fs'

/** Protobuf's wire format, as far as onnx.proto's messages need it. */
const varint = (n: number): number[] => {
  const out: number[] = []
  let v = n
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80)
    v = Math.floor(v / 128)
  }
  out.push(v)
  return out
}
const key = (field: number, wire: number): number[] => varint(field * 8 + wire)
const int = (field: number, n: number): number[] => [...key(field, 0), ...varint(n)]
const bytes = (field: number, data: Uint8Array | number[]): number[] => [
  ...key(field, 2),
  ...varint(data.length),
  ...data,
]
const text = (field: number, s: string): number[] => bytes(field, [...Buffer.from(s, 'utf8')])

const FLOAT = 1
const INT64 = 7

/** A dimension: a number, or a name for a free one (the batch). */
type Dim = number | string

function valueInfo(name: string, elemType: number, dims: Dim[]): number[] {
  const shape = dims.flatMap((d) => bytes(1, typeof d === 'number' ? int(1, d) : text(2, d)))
  const tensorType = [...int(1, elemType), ...bytes(2, shape)]
  return [...text(1, name), ...bytes(2, bytes(1, tensorType))]
}

function node(op: string, inputs: string[], outputs: string[], attributes: number[][] = []): number[] {
  return [
    ...inputs.flatMap((i) => text(1, i)),
    ...outputs.flatMap((o) => text(2, o)),
    ...text(3, `${op}_${outputs[0]}`),
    ...text(4, op),
    ...attributes.flatMap((a) => bytes(5, a)),
  ]
}

function floatTensor(name: string, dims: number[], values: Float32Array): number[] {
  return [
    ...dims.flatMap((d) => int(1, d)),
    ...int(2, FLOAT),
    ...text(8, name),
    ...bytes(9, new Uint8Array(values.buffer, values.byteOffset, values.byteLength)),
  ]
}

function model(graph: number[]): Uint8Array {
  return Uint8Array.from([
    ...int(1, 8), // ir_version
    ...text(2, 'earmark-test'),
    ...bytes(7, graph),
    ...bytes(8, [...text(1, ''), ...int(2, 13)]), // opset 13
  ])
}

/**
 * A base taking [batch, samples] float audio and giving `embedding` = audio · W ([batch, dims]),
 * W given row-major [samples × dims]. Returns the file's path.
 */
export function writeProjectionOnnx(path: string, samples: number, dims: number, w: Float32Array): string {
  const graph = [
    ...bytes(1, node('MatMul', ['audio', 'W'], ['embedding'])),
    ...text(2, 'projection'),
    ...bytes(5, floatTensor('W', [samples, dims], w)),
    ...bytes(11, valueInfo('audio', FLOAT, ['batch', samples])),
    ...bytes(12, valueInfo('embedding', FLOAT, ['batch', dims])),
  ]
  writeFileSync(path, model(graph))
  return path
}

/** A model whose only output is an integer class index (ArgMax), which no embedding is. */
export function writeArgmaxOnnx(path: string, samples: number): string {
  const axis = [...text(1, 'axis'), ...int(3, 1), ...int(20, 2)] // AttributeProto: name, i, type INT
  const keepdims = [...text(1, 'keepdims'), ...int(3, 0), ...int(20, 2)]
  const graph = [
    ...bytes(1, node('ArgMax', ['audio'], ['class'], [axis, keepdims])),
    ...text(2, 'argmax'),
    ...bytes(11, valueInfo('audio', FLOAT, ['batch', samples])),
    ...bytes(12, valueInfo('class', INT64, ['batch'])),
  ]
  writeFileSync(path, model(graph))
  return path
}
