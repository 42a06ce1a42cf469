// Training kernels as plain loops over typed arrays, shared by the wasm backend (for the cases
// its SIMD kernels do not cover) and the cpu backend, whose own versions read every value through
// TensorBuffer.get: its filter gradient took 21 s for one batch of the default CNN's second
// convolution (7 million multiply-adds a second), against a tenth of a second here.
import * as tf from '@tensorflow/tfjs'

type Conv2DInfo = tf.backend_util.Conv2DInfo

/** A convolution's geometry from a kernel's attributes (NHWC or NCHW, as `dataFormat` says). */
export function convInfo(
  xShape: number[],
  filterShape: number[],
  attrs: tf.NamedAttrMap,
  depthwise = false,
): Conv2DInfo {
  const strides = attrs['strides'] as [number, number] | number
  const dilations = (attrs['dilations'] as [number, number] | number | undefined) ?? 1
  const pad = attrs['pad'] as 'valid' | 'same' | number | tf.backend_util.ExplicitPadding
  const dimRoundingMode = attrs['dimRoundingMode'] as 'floor' | 'round' | 'ceil' | undefined
  const dataFormat = tf.backend_util.convertConv2DDataFormat(
    (attrs['dataFormat'] as 'NHWC' | 'NCHW' | undefined) ?? 'NHWC',
  )
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    strides,
    dilations,
    pad,
    dimRoundingMode,
    depthwise,
    dataFormat,
  )
}

/** Max pooling's geometry from a kernel's attributes (NHWC input shape). */
export function poolInfo(xShape: number[], attrs: tf.NamedAttrMap): Conv2DInfo {
  return tf.backend_util.computePool2DInfo(
    xShape as [number, number, number, number],
    attrs['filterSize'] as [number, number] | number,
    attrs['strides'] as [number, number] | number,
    1,
    attrs['pad'] as 'valid' | 'same' | number,
    attrs['dimRoundingMode'] as 'floor' | 'round' | 'ceil' | undefined,
  )
}

/**
 * Max pooling's gradient in one pass, into dx (overwritten): each output's gradient goes to the
 * first position holding the window's maximum (tfjs's choice), channels innermost so memory runs
 * in order.
 */
export function maxPoolGradInto(xs: Float32Array, ds: Float32Array, dx: Float32Array, info: Conv2DInfo): void {
  const { batchSize, inHeight, inWidth, inChannels: c, outHeight, outWidth } = info
  const { filterHeight: fh, filterWidth: fw, strideHeight, strideWidth } = info
  dx.fill(0)
  // Per window, the channel loop outside the taps: the running maximum and its position stay in
  // locals (per-channel scratch arrays cost more than the comparisons on 2x2 windows).
  for (let b = 0; b < batchSize; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      const h0 = Math.max(0, oh * strideHeight - info.padInfo.top)
      const h1 = Math.min(inHeight, oh * strideHeight - info.padInfo.top + fh)
      for (let ow = 0; ow < outWidth; ow++) {
        const w0 = Math.max(0, ow * strideWidth - info.padInfo.left)
        const w1 = Math.min(inWidth, ow * strideWidth - info.padInfo.left + fw)
        if (h0 >= h1 || w0 >= w1) continue
        const first = ((b * inHeight + h0) * inWidth + w0) * c
        const dyBase = ((b * outHeight + oh) * outWidth + ow) * c
        for (let ch = 0; ch < c; ch++) {
          let at = first + ch
          let best = xs[at] as number
          for (let ih = h0; ih < h1; ih++) {
            let i = ((b * inHeight + ih) * inWidth + w0) * c + ch
            for (let iw = w0; iw < w1; iw++, i += c) {
              const v = xs[i] as number
              if (v > best) {
                best = v
                at = i
              }
            }
          }
          dx[at] = (dx[at] as number) + (ds[dyBase + ch] as number)
        }
      }
    }
  }
}

/**
 * A convolution's filter gradient into dw (overwritten): dW[kh, kw, ci, co] = Σ over the output
 * positions of x[b, ih, iw, ci] · dy[b, oh, ow, co], as outer products of each input pixel's
 * channels with its output pixel's channels (both contiguous), skipping zero inputs (half of a
 * ReLU's outputs).
 */
export function filterGradientInto(xs: Float32Array, ds: Float32Array, dw: Float32Array, info: Conv2DInfo): void {
  const { batchSize, inHeight, inWidth, inChannels: ci, outHeight, outWidth, outChannels: co } = info
  const { filterHeight: fh, filterWidth: fw, strideHeight, strideWidth, dilationHeight, dilationWidth } = info
  const { top, left } = info.padInfo
  dw.fill(0)
  for (let b = 0; b < batchSize; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++) {
        const dyBase = ((b * outHeight + oh) * outWidth + ow) * co
        for (let kh = 0; kh < fh; kh++) {
          const ih = oh * strideHeight - top + kh * dilationHeight
          if (ih < 0 || ih >= inHeight) continue
          for (let kw = 0; kw < fw; kw++) {
            const iw = ow * strideWidth - left + kw * dilationWidth
            if (iw < 0 || iw >= inWidth) continue
            const xBase = ((b * inHeight + ih) * inWidth + iw) * ci
            let w = (kh * fw + kw) * ci * co
            for (let c = 0; c < ci; c++, w += co) {
              const v = xs[xBase + c] as number
              if (v === 0) continue
              for (let q = 0; q < co; q++) dw[w + q] = (dw[w + q] as number) + v * (ds[dyBase + q] as number)
            }
          }
        }
      }
    }
  }
}
