// Training kernels for the wasm backend. tfjs-backend-wasm 4.22 ships inference kernels:
// it has no Conv2DBackpropFilter (which every convolution's gradient, fused or not, calls) and no
// depthwise backprops, its Conv2DBackpropInput and MaxPoolGrad are plain loops that take tens of
// times the forward convolution's time, its matrix products with a transposed operand bypass
// XNNPACK, and its Identity copies. These replacements run the heavy part as a forward
// convolution or a matrix product on XNNPACK, or as SIMD passes over the wasm heap (./simd),
// with plain loops (./array-kernels) where the SIMD kernels do not apply. 3×3 stride-1
// convolutions and their filter gradients, most of a CNN's arithmetic, go through Winograd
// F(2×2, 3×3) SIMD kernels, which do 16 multiply-adds where a direct convolution does 36. Batch
// norm's inference scale and shift run as a 1×1 depthwise convolution on XNNPACK (channelAffine).
import * as tf from '@tensorflow/tfjs'
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm'
import { convInfo, maxPoolGradInto, poolInfo } from './array-kernels'
import { addKernel, replaceKernel, type KernelArgs } from './kernel-registration'
import { simdKernels, type SimdKernels } from './simd'

type Info = tf.TensorInfo
type Conv2DInfo = tf.backend_util.Conv2DInfo

const BACKEND = 'wasm'

/** A float32 view of a tensor's memory on the wasm heap; take it after the last allocation (the heap may grow). */
function view(backend: BackendWasm, info: Info): Float32Array {
  return backend.typedArrayFromHeap(info) as Float32Array
}

function runWasmKernel(
  name: string,
  backend: BackendWasm,
  inputs: tf.NamedTensorInfoMap,
  attrs: tf.NamedAttrMap,
): Info {
  const kernel = tf.getKernel(name, BACKEND)
  if (!kernel) throw new Error(`the wasm backend has no ${name} kernel`)
  const out = kernel.kernelFunc({ inputs, backend, attrs })
  if (Array.isArray(out)) throw new Error(`${name} returned several tensors`)
  return out
}

function requireFloat32(name: string, ...infos: Info[]): void {
  for (const info of infos) {
    if (info.dtype !== 'float32') throw new Error(`${name} on wasm supports float32 tensors only, not ${info.dtype}`)
  }
}

function requireChannelsLast(name: string, info: Conv2DInfo): void {
  if (info.dataFormat !== 'channelsLast') throw new Error(`${name} on wasm supports NHWC (channelsLast) only`)
}

/**
 * The filter gradient: by Winograd's transforms for 3×3 stride-1 convolutions over channels in
 * fours (simd winogradFilterGrad), by a direct SIMD kernel for one input channel, else as one
 * matrix product on XNNPACK: the input's patches, laid out transposed (one row per filter tap
 * and input channel, one column per output position, written in a single pass), times the
 * output gradient. dW[kh,kw,ci,co] = Σ_{b,oh,ow} x[b, oh·sh − top + kh·dh,
 * ow·sw − left + kw·dw, ci] · dy[b,oh,ow,co]. (The transposed layout matters: wasm's BatchMatMul
 * with transposeA runs about 10x slower than without.)
 */
function conv2DBackpropFilter({ inputs, backend, attrs }: KernelArgs): Info {
  const wasm = backend as BackendWasm
  const x = inputs['x'] as Info
  const dy = inputs['dy'] as Info
  requireFloat32('Conv2DBackpropFilter', x, dy)
  const filterShape = (attrs ?? {})['filterShape'] as number[]
  const info = convInfo(x.shape, filterShape, { ...attrs, dilations: 1 })
  requireChannelsLast('Conv2DBackpropFilter', info)
  const simd = simdKernels(wasm)
  if (simd && info.strideHeight === 1 && info.strideWidth === 1) {
    if (info.inChannels === 1 && info.outChannels % 16 === 0) {
      const dw = wasm.makeOutput(filterShape, 'float32')
      simd.filterGradOneChannel(x, dy, dw, info)
      return dw
    }
    if (winogradFits(simd, info)) {
      const dw = wasm.makeOutput(filterShape, 'float32')
      simd.winogradFilterGrad(x, dy, dw, info.padInfo.top, info.padInfo.left)
      return dw
    }
    return backpropFilterByPlanes(wasm, simd, x, dy, info, filterShape)
  }
  const { batchSize, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth } = info
  const positions = batchSize * outHeight * outWidth
  const taps = filterHeight * filterWidth * inChannels
  const patches = wasm.makeOutput([taps, positions], 'float32')
  im2colTransposed(view(wasm, x), view(wasm, patches), info)
  const dy2 = { dataId: dy.dataId, shape: [positions, outChannels], dtype: dy.dtype }
  const product = runWasmKernel('BatchMatMul', wasm, { a: patches, b: dy2 }, { transposeA: false, transposeB: false })
  wasm.disposeData(patches.dataId)
  return { dataId: product.dataId, shape: filterShape, dtype: 'float32' }
}

/**
 * The filter gradient of a stride-1 convolution, its patches built from the input's channel
 * planes [c, b, h, w] (one Transpose on XNNPACK): there each patch row is a run of contiguous
 * copies (simd im2colPlanes), where the general im2col gathers every value with a stride.
 */
function backpropFilterByPlanes(
  wasm: BackendWasm,
  simd: SimdKernels,
  x: Info,
  dy: Info,
  info: Conv2DInfo,
  filterShape: number[],
): Info {
  const { batchSize, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth } = info
  const positions = batchSize * outHeight * outWidth
  const planes = inChannels === 1 ? x : runWasmKernel('Transpose', wasm, { x }, { perm: [3, 0, 1, 2] })
  const patches = wasm.makeOutput([filterHeight * filterWidth * inChannels, positions], 'float32')
  simd.im2colPlanes(planes, patches, info)
  if (planes !== x) wasm.disposeData(planes.dataId)
  const dy2 = { dataId: dy.dataId, shape: [positions, outChannels], dtype: 'float32' as const }
  const product = runWasmKernel('BatchMatMul', wasm, { a: patches, b: dy2 }, { transposeA: false, transposeB: false })
  wasm.disposeData(patches.dataId)
  return { dataId: product.dataId, shape: filterShape, dtype: 'float32' }
}

/** The patches of `x` under each output position, transposed: row (kh, kw, ci), column (b, oh, ow); zeros where padded. */
function im2colTransposed(x: Float32Array, out: Float32Array, info: Conv2DInfo): void {
  const { batchSize, inHeight, inWidth, inChannels: ci, outHeight, outWidth } = info
  const { filterHeight, filterWidth, strideHeight, strideWidth, dilationHeight, dilationWidth } = info
  const top = info.padInfo.top
  const left = info.padInfo.left
  let o = 0
  for (let kh = 0; kh < filterHeight; kh++) {
    for (let kw = 0; kw < filterWidth; kw++) {
      for (let c = 0; c < ci; c++) {
        for (let b = 0; b < batchSize; b++) {
          const xb = b * inHeight * inWidth * ci + c
          for (let oh = 0; oh < outHeight; oh++) {
            const ih = oh * strideHeight - top + kh * dilationHeight
            if (ih < 0 || ih >= inHeight) {
              out.fill(0, o, o + outWidth)
              o += outWidth
              continue
            }
            const row = xb + ih * inWidth * ci
            for (let ow = 0; ow < outWidth; ow++) {
              const iw = ow * strideWidth - left + kw * dilationWidth
              out[o++] = iw < 0 || iw >= inWidth ? 0 : (x[row + iw * ci] as number)
            }
          }
        }
      }
    }
  }
}

/**
 * The input gradient as a forward convolution (XNNPACK): dy, spread out by the strides and padded
 * by (kernel − 1 − padding), convolved ('valid', stride 1) with the filter flipped in space and
 * with its channel axes swapped.
 */
function conv2DBackpropInput(original: (args: KernelArgs) => Info) {
  return ({ inputs, backend, attrs }: KernelArgs): Info => {
    const wasm = backend as BackendWasm
    const dy = inputs['dy'] as Info
    const filter = inputs['filter'] as Info
    const inputShape = (attrs ?? {})['inputShape'] as number[]
    const dilations = (attrs ?? {})['dilations'] as number | [number, number] | undefined
    const dilated =
      dilations !== undefined && (Array.isArray(dilations) ? dilations.some((d) => d !== 1) : dilations !== 1)
    if (dilated || dy.dtype !== 'float32' || filter.dtype !== 'float32') {
      return original({ inputs, backend, attrs: attrs ?? {} })
    }
    const info = convInfo(inputShape, filter.shape, { ...attrs, dilations: 1 })
    requireChannelsLast('Conv2DBackpropInput', info)
    if (info.inChannels <= COL2IM_MAX_CHANNELS) return backpropInputByCol2im(wasm, dy, filter, info)
    const { inHeight, inWidth, inChannels, outChannels } = info
    const { filterHeight: fh, filterWidth: fw } = info
    const ph = inHeight + fh - 1
    const pw = inWidth + fw - 1
    const offH = fh - 1 - info.padInfo.top
    const offW = fw - 1 - info.padInfo.left
    const endH = ph - offH - info.outHeight
    const endW = pw - offW - info.outWidth
    // With stride 1 the spread gradient is dy padded: the convolution pads it itself.
    const padOnly = info.strideHeight === 1 && info.strideWidth === 1 && Math.min(offH, offW, endH, endW) >= 0
    const spread = padOnly ? dy : spreadGradient(wasm, dy, info, offH, offW, ph, pw)
    const pad = padOnly
      ? [
          [0, 0],
          [offH, endH],
          [offW, endW],
          [0, 0],
        ]
      : 'valid'
    const flipped = wasm.makeOutput([fh, fw, outChannels, inChannels], 'float32')
    const f = view(wasm, filter)
    const g = view(wasm, flipped)
    for (let kh = 0; kh < fh; kh++) {
      for (let kw = 0; kw < fw; kw++) {
        const src = ((fh - 1 - kh) * fw + (fw - 1 - kw)) * inChannels * outChannels
        const dst = (kh * fw + kw) * outChannels * inChannels
        for (let ci = 0; ci < inChannels; ci++) {
          for (let co = 0; co < outChannels; co++) {
            g[dst + co * inChannels + ci] = f[src + ci * outChannels + co] as number
          }
        }
      }
    }
    const dx = runWasmKernel(
      'Conv2D',
      wasm,
      { x: spread, filter: flipped },
      { strides: 1, pad, dilations: 1, dataFormat: 'NHWC' },
    )
    if (spread !== dy) wasm.disposeData(spread.dataId)
    wasm.disposeData(flipped.dataId)
    return dx
  }
}

/**
 * 3×3 stride-1 convolutions (a CNN's, and the input gradients above, which are such
 * convolutions) by Winograd F(2×2, 3×3) on the SIMD kernels: 16 multiply-adds per 2×2 block of
 * outputs and channel pair where XNNPACK's direct convolution does 36: 1.8-2.2x faster on the
 * default CNN's layers, forward and input gradient, and its filter gradients (winogradFilterGrad)
 * 3.0-3.3x faster than patches times an XNNPACK product (bench/results/winograd.json). Other convolutions (strided, dilated, other sizes, channel
 * counts not a multiple of 4, a first layer's single channel) keep XNNPACK's kernel.
 */
function conv2D(original: (args: KernelArgs) => Info) {
  return ({ inputs, backend, attrs }: KernelArgs): Info => {
    const wasm = backend as BackendWasm
    const x = inputs['x'] as Info
    const filter = inputs['filter'] as Info
    const simd = simdKernels(wasm)
    if (simd && x.dtype === 'float32' && filter.dtype === 'float32') {
      const info = convInfo(x.shape, filter.shape, attrs ?? {})
      if (winogradFits(simd, info)) {
        const y = wasm.makeOutput([info.batchSize, info.outHeight, info.outWidth, info.outChannels], 'float32')
        simd.winogradConv(x, filter, y, info.padInfo.top, info.padInfo.left)
        return y
      }
    }
    return original({ inputs, backend, attrs: attrs ?? {} })
  }
}

/** Whether a convolution is one the Winograd kernels compute: 3×3, stride 1, NHWC, channels in fours. */
function winogradFits(simd: SimdKernels, info: Conv2DInfo): boolean {
  return (
    info.filterHeight === 3 &&
    info.filterWidth === 3 &&
    info.strideHeight === 1 &&
    info.strideWidth === 1 &&
    info.dilationHeight === 1 &&
    info.dilationWidth === 1 &&
    info.dataFormat === 'channelsLast' &&
    info.outHeight > 0 &&
    info.outWidth > 0 &&
    simd.fits(info.inChannels) &&
    simd.fits(info.outChannels)
  )
}

/** Up to this many input channels, the input gradient goes through col2im rather than a forward convolution. */
const COL2IM_MAX_CHANNELS = 4

/**
 * The input gradient for few input channels (a network's first layer, on a one-channel log-mel):
 * a convolution with so few output channels makes poor use of XNNPACK, so instead one matrix
 * product gives each output position's contribution to every tap, cols = dy · Wᵀ ([positions ×
 * taps], the fully-connected layout XNNPACK prefers), and one pass adds them into place (col2im).
 */
function backpropInputByCol2im(wasm: BackendWasm, dy: Info, filter: Info, info: Conv2DInfo): Info {
  const { batchSize, inHeight, inWidth, inChannels: ci, outHeight, outWidth, outChannels } = info
  const { filterHeight, filterWidth, strideHeight, strideWidth, dilationHeight, dilationWidth } = info
  const positions = batchSize * outHeight * outWidth
  const taps = filterHeight * filterWidth * ci
  // Wᵀ written out (a few hundred numbers): wasm's BatchMatMul runs transposeB through a slow
  // loop, without it through XNNPACK.
  const filterT = wasm.makeOutput([outChannels, taps], 'float32')
  const w = view(wasm, filter)
  const wT = view(wasm, filterT)
  for (let t = 0; t < taps; t++)
    for (let co = 0; co < outChannels; co++) wT[co * taps + t] = w[t * outChannels + co] as number
  const cols = runWasmKernel(
    'BatchMatMul',
    wasm,
    { a: { dataId: dy.dataId, shape: [positions, outChannels], dtype: 'float32' }, b: filterT },
    { transposeA: false, transposeB: false },
  )
  wasm.disposeData(filterT.dataId)
  const out = wasm.makeOutput([batchSize, inHeight, inWidth, ci], 'float32')
  const c = view(wasm, cols)
  const dx = view(wasm, out)
  dx.fill(0)
  const top = info.padInfo.top
  const left = info.padInfo.left
  let row = 0
  for (let b = 0; b < batchSize; b++) {
    const xb = b * inHeight * inWidth * ci
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++) {
        let k = row
        for (let kh = 0; kh < filterHeight; kh++) {
          const ih = oh * strideHeight - top + kh * dilationHeight
          for (let kw = 0; kw < filterWidth; kw++) {
            const iw = ow * strideWidth - left + kw * dilationWidth
            if (ih >= 0 && ih < inHeight && iw >= 0 && iw < inWidth) {
              const dst = xb + (ih * inWidth + iw) * ci
              for (let q = 0; q < ci; q++) dx[dst + q] = (dx[dst + q] as number) + (c[k + q] as number)
            }
            k += ci
          }
        }
        row += taps
      }
    }
  }
  wasm.disposeData(cols.dataId)
  return out
}

/**
 * dy placed at every stride-th position of a zero tensor [batch, ph, pw, channels], from (offH,
 * offW) on, in one pass (strided input gradients; stride 1 needs only padding, which the
 * convolution does itself).
 */
function spreadGradient(
  wasm: BackendWasm,
  dy: Info,
  info: Conv2DInfo,
  offH: number,
  offW: number,
  ph: number,
  pw: number,
): Info {
  const { batchSize, outHeight, outWidth, outChannels, strideHeight, strideWidth } = info
  const spread = wasm.makeOutput([batchSize, ph, pw, outChannels], 'float32')
  const d = view(wasm, dy)
  const s = view(wasm, spread)
  s.fill(0)
  for (let b = 0; b < batchSize; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      const h = offH + oh * strideHeight
      if (h < 0 || h >= ph) continue
      for (let ow = 0; ow < outWidth; ow++) {
        const w = offW + ow * strideWidth
        if (w < 0 || w >= pw) continue
        const src = ((b * outHeight + oh) * outWidth + ow) * outChannels
        const dst = ((b * ph + h) * pw + w) * outChannels
        for (let c = 0; c < outChannels; c++) s[dst + c] = d[src + c] as number
      }
    }
  }
  return spread
}

/** dW[kh,kw,ci,m] = Σ_{b,oh,ow} x[b, ih, iw, ci] · dy[b, oh, ow, ci·M + m]. */
function depthwiseBackpropFilter({ inputs, backend, attrs }: KernelArgs): Info {
  const wasm = backend as BackendWasm
  const x = inputs['x'] as Info
  const dy = inputs['dy'] as Info
  requireFloat32('DepthwiseConv2dNativeBackpropFilter', x, dy)
  const filterShape = (attrs ?? {})['filterShape'] as number[]
  const info = convInfo(x.shape, filterShape, attrs ?? {}, true)
  requireChannelsLast('DepthwiseConv2dNativeBackpropFilter', info)
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info
  const { filterHeight: fh, filterWidth: fw, strideHeight, strideWidth, dilationHeight, dilationWidth } = info
  const m = outChannels / inChannels
  const out = wasm.makeOutput(filterShape, 'float32')
  const xs = view(wasm, x)
  const ds = view(wasm, dy)
  const dw = view(wasm, out)
  dw.fill(0)
  for (let b = 0; b < batchSize; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++) {
        const dyBase = ((b * outHeight + oh) * outWidth + ow) * outChannels
        for (let kh = 0; kh < fh; kh++) {
          const ih = oh * strideHeight - info.padInfo.top + kh * dilationHeight
          if (ih < 0 || ih >= inHeight) continue
          for (let kw = 0; kw < fw; kw++) {
            const iw = ow * strideWidth - info.padInfo.left + kw * dilationWidth
            if (iw < 0 || iw >= inWidth) continue
            const xBase = ((b * inHeight + ih) * inWidth + iw) * inChannels
            const wBase = (kh * fw + kw) * outChannels
            for (let c = 0; c < inChannels; c++) {
              const xv = xs[xBase + c] as number
              for (let q = 0; q < m; q++)
                dw[wBase + c * m + q] = (dw[wBase + c * m + q] as number) + xv * (ds[dyBase + c * m + q] as number)
            }
          }
        }
      }
    }
  }
  return out
}

/** dx[b, ih, iw, ci] = Σ over the outputs that read it of W[kh,kw,ci,m] · dy[b, oh, ow, ci·M + m]. */
function depthwiseBackpropInput({ inputs, backend, attrs }: KernelArgs): Info {
  const wasm = backend as BackendWasm
  const dy = inputs['dy'] as Info
  const filter = inputs['filter'] as Info
  requireFloat32('DepthwiseConv2dNativeBackpropInput', dy, filter)
  const inputShape = (attrs ?? {})['inputShape'] as number[]
  const info = convInfo(inputShape, filter.shape, attrs ?? {}, true)
  requireChannelsLast('DepthwiseConv2dNativeBackpropInput', info)
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info
  const { filterHeight: fh, filterWidth: fw, strideHeight, strideWidth, dilationHeight, dilationWidth } = info
  const m = outChannels / inChannels
  const out = wasm.makeOutput(inputShape, 'float32')
  const ds = view(wasm, dy)
  const ws = view(wasm, filter)
  const dx = view(wasm, out)
  dx.fill(0)
  for (let b = 0; b < batchSize; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++) {
        const dyBase = ((b * outHeight + oh) * outWidth + ow) * outChannels
        for (let kh = 0; kh < fh; kh++) {
          const ih = oh * strideHeight - info.padInfo.top + kh * dilationHeight
          if (ih < 0 || ih >= inHeight) continue
          for (let kw = 0; kw < fw; kw++) {
            const iw = ow * strideWidth - info.padInfo.left + kw * dilationWidth
            if (iw < 0 || iw >= inWidth) continue
            const xBase = ((b * inHeight + ih) * inWidth + iw) * inChannels
            const wBase = (kh * fw + kw) * outChannels
            for (let c = 0; c < inChannels; c++) {
              let acc = 0
              for (let q = 0; q < m; q++) acc += (ws[wBase + c * m + q] as number) * (ds[dyBase + c * m + q] as number)
              dx[xBase + c] = (dx[xBase + c] as number) + acc
            }
          }
        }
      }
    }
  }
  return out
}

/**
 * Max pooling's gradient: windows that tile the input (the CNN's 2×2 blocks and its max over
 * time) in one SIMD pass, others in one pass in JavaScript (maxPoolGradInto).
 */
function maxPoolGrad({ inputs, backend, attrs }: KernelArgs): Info {
  const wasm = backend as BackendWasm
  const dy = inputs['dy'] as Info
  const x = inputs['input'] as Info
  requireFloat32('MaxPoolGrad', dy, x)
  const info = poolInfo(x.shape, attrs ?? {})
  const { inHeight, inWidth, inChannels: c, outHeight, outWidth } = info
  const { filterHeight: fh, filterWidth: fw, strideHeight, strideWidth } = info
  const out = wasm.makeOutput(x.shape, 'float32')
  const tiled =
    strideHeight === fh &&
    strideWidth === fw &&
    outHeight * fh <= inHeight &&
    outWidth * fw <= inWidth &&
    info.padInfo.top === 0 &&
    info.padInfo.left === 0
  const simd = simdKernels(wasm)
  if (tiled && simd?.fits(c)) simd.maxPoolGradTiled(x, dy, out, outHeight, outWidth, fh, fw)
  else maxPoolGradInto(view(wasm, x), view(wasm, dy), view(wasm, out), info)
  return out
}

/**
 * y = x·scale + shift per channel (x's last axis), as a 1×1 depthwise convolution with bias over x
 * viewed as [1, 1, rows, channels]: XNNPACK runs it over ten times faster than wasm's own
 * batch-norm loop (and than a pass in JS).
 */
export function channelAffine(
  backend: tf.KernelBackend,
  x: Info,
  scale: Float32Array,
  shift: Float32Array | null,
): Info {
  const wasm = backend as BackendWasm
  const c = scale.length
  const rows = tf.util.sizeFromShape(x.shape) / c
  const filter = wasm.makeOutput([1, 1, c, 1], 'float32')
  const bias = shift ? wasm.makeOutput([c], 'float32') : null
  view(wasm, filter).set(scale)
  if (bias && shift) view(wasm, bias).set(shift)
  const out = runWasmKernel(
    'FusedDepthwiseConv2D',
    wasm,
    { x: { dataId: x.dataId, shape: [1, 1, rows, c], dtype: 'float32' }, filter, ...(bias ? { bias } : {}) },
    { strides: 1, pad: 'valid', dilations: 1, dataFormat: 'NHWC', activation: 'linear' },
  )
  wasm.disposeData(filter.dataId)
  if (bias) wasm.disposeData(bias.dataId)
  return { dataId: out.dataId, shape: x.shape, dtype: 'float32' }
}

/** a·scaleA + b·scaleB + shift per channel (batch norm's input gradient): two channelAffine passes and an add, all on XNNPACK. */
export function channelAffineSum(
  backend: tf.KernelBackend,
  a: Info,
  scaleA: Float32Array,
  b: Info,
  scaleB: Float32Array,
  shift: Float32Array,
): Info {
  const wasm = backend as BackendWasm
  const left = channelAffine(wasm, a, scaleA, shift)
  const right = channelAffine(wasm, b, scaleB, null)
  const sum = runWasmKernel('Add', wasm, { a: left, b: right }, {})
  wasm.disposeData(left.dataId)
  wasm.disposeData(right.dataId)
  return sum
}

/** The values of a per-channel input of `c` numbers (batch norm's mean, variance, offset, scale), or null if it is not one. */
function perChannel(wasm: BackendWasm, info: Info | undefined, c: number): Float32Array | null {
  if (!info || info.dtype !== 'float32' || tf.util.sizeFromShape(info.shape) !== c) return null
  return info.shape[info.shape.length - 1] === c ? view(wasm, info) : null
}

/**
 * Inference batch norm folded into one scale and shift per channel (channelAffine); other
 * broadcasts than per channel of the last axis go to the original kernel.
 */
function fusedBatchNorm(original: (args: KernelArgs) => Info) {
  return ({ inputs, backend, attrs }: KernelArgs): Info => {
    const wasm = backend as BackendWasm
    const x = inputs['x'] as Info
    const c = x.shape[x.shape.length - 1] ?? 0
    const mean = perChannel(wasm, inputs['mean'] as Info, c)
    const variance = perChannel(wasm, inputs['variance'] as Info, c)
    const offset = inputs['offset'] ? perChannel(wasm, inputs['offset'] as Info, c) : new Float32Array(c)
    const gamma = inputs['scale'] ? perChannel(wasm, inputs['scale'] as Info, c) : new Float32Array(c).fill(1)
    if (x.dtype !== 'float32' || c === 0 || !mean || !variance || !offset || !gamma) {
      return original({ inputs, backend, attrs: attrs ?? {} })
    }
    const epsilon = (attrs ?? {})['varianceEpsilon'] as number
    const scale = new Float32Array(c)
    const shift = new Float32Array(c)
    for (let j = 0; j < c; j++) {
      scale[j] = (gamma[j] as number) / Math.sqrt((variance[j] as number) + epsilon)
      shift[j] = (offset[j] as number) - (mean[j] as number) * (scale[j] as number)
    }
    return channelAffine(wasm, x, scale, shift)
  }
}

/** Tile by block copies: each axis, innermost first, repeats whole contiguous blocks (memcpy). */
function tileKernel(original: (args: KernelArgs) => Info) {
  return ({ inputs, backend, attrs }: KernelArgs): Info => {
    const wasm = backend as BackendWasm
    const x = inputs['x'] as Info
    if (x.dtype !== 'float32') return original({ inputs, backend, attrs: attrs ?? {} })
    const reps = (attrs ?? {})['reps'] as number[]
    let shape = x.shape.slice()
    let data: Float32Array = view(wasm, x).slice()
    for (let axis = shape.length - 1; axis >= 0; axis--) {
      const rep = reps[axis] as number
      if (rep === 1) continue
      const outer = shape.slice(0, axis).reduce((p, n) => p * n, 1)
      const block = shape.slice(axis).reduce((p, n) => p * n, 1)
      const next = new Float32Array(data.length * rep)
      for (let o = 0; o < outer; o++) {
        const src = data.subarray(o * block, (o + 1) * block)
        for (let r = 0; r < rep; r++) next.set(src, (o * rep + r) * block)
      }
      data = next
      shape = shape.map((n, i) => (i === axis ? n * rep : n))
    }
    const out = wasm.makeOutput(shape, 'float32')
    view(wasm, out).set(data)
    return out
  }
}

/**
 * Identity by sharing the input's memory (a reference count), as the cpu backend does. The
 * engine clones every tensor it saves for the backward pass, and wasm's own Identity copies:
 * three copies of each large activation per training step.
 */
function sharedIdentity(original: (args: KernelArgs) => Info) {
  return ({ inputs, backend, attrs }: KernelArgs): Info => {
    const x = inputs['x'] as Info
    if (x.dtype === 'string') return original({ inputs, backend, attrs: attrs ?? {} })
    ;(backend as BackendWasm).incRef(x.dataId)
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype }
  }
}

const RELU_GRAD = 'EarmarkReluGrad'

/** ReLU's gradient in one pass (tfjs's takes three: Step, Cast and Multiply). */
function reluGrad({ inputs, backend }: KernelArgs): Info {
  const wasm = backend as BackendWasm
  const dy = inputs['dy'] as Info
  const x = inputs['x'] as Info
  requireFloat32('ReluGrad', dy, x)
  const out = wasm.makeOutput(x.shape, 'float32')
  const simd = simdKernels(wasm)
  if (simd?.fits(tf.util.sizeFromShape(x.shape))) {
    simd.reluGrad(dy, x, out)
    return out
  }
  const d = view(wasm, dy)
  const xs = view(wasm, x)
  const dx = view(wasm, out)
  for (let i = 0; i < dx.length; i++) dx[i] = (xs[i] as number) > 0 ? (d[i] as number) : 0
  return out
}

/** ReLU's gradient through RELU_GRAD on wasm, and as tfjs computes it elsewhere. */
function registerReluGradient(): void {
  tf.registerGradient({
    kernelName: 'Relu',
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => {
      const g = dy as tf.Tensor
      const [x] = saved as [tf.Tensor]
      if (tf.getBackend() === BACKEND && g.dtype === 'float32' && x.dtype === 'float32') {
        return { x: () => tf.engine().runKernel(RELU_GRAD, { dy: g, x }, {}) as tf.Tensor }
      }
      return { x: () => tf.mul(g, tf.cast(tf.step(x), 'float32')) }
    },
  })
}

/**
 * Matrix products with a transposed operand: wasm's BatchMatMul runs these through a scalar loop
 * (only the plain product goes to XNNPACK), about 30x slower on a dense layer's weight gradient
 * (xᵀ·dy). Transposing the operand first (XNNPACK) and multiplying plainly costs one pass.
 * Batched products keep the original kernel.
 */
function batchMatMul(original: (args: KernelArgs) => Info) {
  return ({ inputs, backend, attrs }: KernelArgs): Info => {
    const wasm = backend as BackendWasm
    const a = inputs['a'] as Info
    const b = inputs['b'] as Info
    const transposeA = Boolean((attrs ?? {})['transposeA'])
    const transposeB = Boolean((attrs ?? {})['transposeB'])
    const single = (t: Info): boolean => t.shape.length >= 2 && t.shape.slice(0, -2).every((n) => n === 1)
    if ((!transposeA && !transposeB) || !single(a) || !single(b) || a.dtype !== 'float32' || b.dtype !== 'float32') {
      return original({ inputs, backend, attrs: attrs ?? {} })
    }
    const flip = (t: Info): Info => {
      const perm = t.shape.map((_, i) => i)
      const last = perm.length - 1
      perm[last] = last - 1
      perm[last - 1] = last
      return runWasmKernel('Transpose', wasm, { x: t }, { perm })
    }
    const plain = (left: Info, right: Info): Info =>
      runWasmKernel('BatchMatMul', wasm, { a: left, b: right }, { transposeA: false, transposeB: false })
    const [m, k] = a.shape.slice(-2) as [number, number]
    const n = b.shape[b.shape.length - 2] as number
    // a·bᵀ with b the larger (a dense layer's input gradient, dy·Wᵀ): (b·aᵀ)ᵀ moves less data
    // through the transposes and XNNPACK's packing of its right operand.
    if (transposeB && !transposeA && 2 * m * k + n * m < 2 * n * k) {
      const aT = flip(a)
      const product = plain(b, aT)
      wasm.disposeData(aT.dataId)
      const out = flip(product)
      wasm.disposeData(product.dataId)
      return out
    }
    const left = transposeA ? flip(a) : a
    const right = transposeB ? flip(b) : b
    const out = plain(left, right)
    if (left !== a) wasm.disposeData(left.dataId)
    if (right !== b) wasm.disposeData(right.dataId)
    return out
  }
}

let registered = false

/**
 * Registers the training kernels on the wasm backend (once; call before training on wasm). The
 * kernels it replaces keep their original as a fallback for cases they do not cover (dilated
 * input gradients, non-float tiles).
 */
export function registerWasmTrainingKernels(): void {
  if (registered) return
  registered = true
  const add = (name: string, kernel: (args: KernelArgs) => Info): void => addKernel(BACKEND, name, kernel)
  const replace = (name: string, make: (original: (args: KernelArgs) => Info) => (args: KernelArgs) => Info): void =>
    replaceKernel(BACKEND, name, make)
  add('Conv2DBackpropFilter', conv2DBackpropFilter)
  add('DepthwiseConv2dNativeBackpropFilter', depthwiseBackpropFilter)
  add('DepthwiseConv2dNativeBackpropInput', depthwiseBackpropInput)
  add('MaxPoolGrad', maxPoolGrad)
  replace('Conv2DBackpropInput', conv2DBackpropInput)
  replace('Conv2D', conv2D)
  add(RELU_GRAD, reluGrad)
  registerReluGradient()
  replace('Identity', sharedIdentity)
  replace('BatchMatMul', batchMatMul)
  replace('Tile', tileKernel)
  replace('FusedBatchNorm', fusedBatchNorm)
}
