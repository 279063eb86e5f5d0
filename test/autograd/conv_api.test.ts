// The functional conv / pooling API: output shapes for PyTorch's size rules and the errors for
// bad input (wrong rank, NHWC passed as NCHW, groups, kernels larger than the padded input,
// non-integer / negative sizes), each naming the argument with expected vs received.
import { describe, expect, it } from 'vitest';
import * as ng from '../../lib';

const z = (...shape: number[]): ng.Tensor => ng.zeros(shape);

describe('conv2d / pooling output shapes', () => {
  it('follow PyTorch', () => {
    ng.tidy(() => {
      expect(ng.conv2d(z(2, 3, 28, 28), z(8, 3, 5, 5)).shape).toEqual([2, 8, 24, 24]);
      expect(ng.conv2d(z(2, 3, 28, 28), z(8, 3, 5, 5), null, { padding: 'same' }).shape).toEqual([2, 8, 28, 28]);
      expect(ng.conv2d(z(1, 4, 9, 10), z(4, 1, 3, 3), null, { stride: [2, 3], padding: 1, groups: 4 }).shape).toEqual([1, 4, 5, 4]);
      expect(ng.conv2d(z(1, 2, 9, 9), z(3, 2, 3, 3), null, { dilation: 2 }).shape).toEqual([1, 3, 5, 5]);
      expect(ng.maxPool2d(z(1, 1, 7, 7), 2).shape).toEqual([1, 1, 3, 3]);
      expect(ng.maxPool2d(z(1, 1, 7, 7), 2, { ceilMode: true }).shape).toEqual([1, 1, 4, 4]);
      expect(ng.avgPool2d(z(1, 1, 8, 8), 3, { stride: 2, padding: 1, ceilMode: true }).shape).toEqual([1, 1, 5, 5]);
      expect(ng.adaptiveAvgPool2d(z(2, 3, 7, 5), [3, null]).shape).toEqual([2, 3, 3, 5]);
      expect(ng.adaptiveAvgPool2d(z(2, 3, 7, 5), 1).shape).toEqual([2, 3, 1, 1]);
    });
  });
});

describe('conv2d bad input', () => {
  const w = z(8, 3, 3, 3);
  it('wrong rank', () => {
    expect(() => ng.conv2d(z(3, 28, 28), w)).toThrow(new RangeError('Expected 4-D shape [N, C, H, W] for input but received [3, 28, 28]'));
    expect(() => ng.conv2d(z(1, 3, 8, 8), z(8, 27))).toThrow(
      new RangeError('Expected 4-D shape [outChannels, inChannels / groups, KH, KW] for weight but received [8, 27]'));
  });
  it('NHWC data passed as NCHW', () => {
    expect(() => ng.conv2d(z(2, 28, 28, 3), w)).toThrow(new RangeError(
      'Expected shape [N, 3, H, W] (NCHW: weight has 3 channels per group x 1 groups) for input but received [2, 28, 28, 3]'));
  });
  it('channels not divisible by groups', () => {
    expect(() => ng.conv2d(z(1, 6, 8, 8), z(8, 1, 3, 3), null, { groups: 4 })).toThrow(
      new RangeError('Expected in channels divisible by groups (4) for input but received 6 channels (shape [1, 6, 8, 8])'));
    expect(() => ng.conv2d(z(1, 6, 8, 8), z(4, 2, 3, 3), null, { groups: 3 })).toThrow(
      new RangeError('Expected out channels divisible by groups (3) for weight but received 4 out channels (shape [4, 2, 3, 3])'));
    expect(() => ng.conv2d(z(1, 6, 8, 8), z(6, 1, 3, 3), null, { groups: 0 })).toThrow(
      new RangeError('Expected positive integer for groups but received 0 of type number'));
  });
  it('kernel larger than the padded input', () => {
    expect(() => ng.conv2d(z(1, 3, 4, 9), z(2, 3, 7, 3), null, { padding: 1 })).toThrow(
      new RangeError('Expected kernel height <= the padded input height 6 for kernelSize but received 7'));
    expect(() => ng.conv2d(z(1, 3, 9, 4), z(2, 3, 3, 3), null, { dilation: 3 })).toThrow(
      new RangeError('Expected kernel width <= the padded input width 4 for kernelSize but received 3 (dilation 3: extent 7)'));
  });
  it('non-integer, negative and malformed sizes', () => {
    const x = z(1, 3, 8, 8);
    expect(() => ng.conv2d(x, w, null, { stride: 0 })).toThrow(new RangeError('Expected positive integer for stride but received 0 of type number'));
    expect(() => ng.conv2d(x, w, null, { stride: [1, 1.5] })).toThrow(new RangeError('Expected positive integer for stride[1] but received 1.5 of type number'));
    expect(() => ng.conv2d(x, w, null, { padding: -1 })).toThrow(new RangeError('Expected non-negative integer for padding but received -1 of type number'));
    expect(() => ng.conv2d(x, w, null, { padding: 'full' as never })).toThrow(
      new RangeError("Expected non-negative integer, [h, w], 'same' or 'valid' for padding but received \"full\" of type string"));
    expect(() => ng.conv2d(x, w, null, { dilation: [1, 2, 3] as never })).toThrow(
      new RangeError('Expected [positive integer, positive integer] for dilation but received an array of length 3'));
    expect(() => ng.conv2d(x, w, null, { padding: 'same', stride: 2 })).toThrow(
      new RangeError("Expected stride 1 with padding 'same' for stride but received [2, 2]"));
    expect(() => ng.conv2d(x, z(8, 3, 2, 2), null, { padding: 'same' })).toThrow(
      new RangeError("Expected an odd (dilated) kernel extent with padding 'same' (symmetric padding) for kernelSize but received [2, 2]"));
    expect(() => ng.conv2d(x, w, z(7))).toThrow(new RangeError('Expected shape [8] for bias but received [7]'));
    expect(() => ng.conv2d(x, w, null, { activation: 'tanh' as never })).toThrow(
      new RangeError("Expected 'none' or 'relu' for activation but received \"tanh\" of type string"));
  });
});

describe('pooling bad input', () => {
  const x = z(1, 2, 6, 6);
  it('names the argument', () => {
    expect(() => ng.maxPool2d(z(2, 6, 6), 2)).toThrow(new RangeError('Expected 4-D shape [N, C, H, W] for input but received [2, 6, 6]'));
    expect(() => ng.maxPool2d(x, 0)).toThrow(new RangeError('Expected positive integer for kernelSize but received 0 of type number'));
    expect(() => ng.maxPool2d(x, 3, { padding: 2 })).toThrow(new RangeError('Expected padding at most half the kernel (1) for padding but received 2'));
    expect(() => ng.avgPool2d(x, 7)).toThrow(new RangeError('Expected pooling window height <= the padded input height 6 for kernelSize but received 7'));
    expect(() => ng.maxPool2d(x, 2, { ceilMode: 1 as never })).toThrow(new TypeError('Expected boolean for ceilMode but received 1 of type number'));
    expect(() => ng.avgPool2d(x, 2, { countIncludePad: 'yes' as never })).toThrow(
      new TypeError('Expected boolean for countIncludePad but received "yes" of type string'));
    expect(() => ng.avgPool2d(x, 2, { dilation: 2 } as never)).toThrow(
      new RangeError('Expected no dilation (average pooling has none) for options.dilation but received 2 of type number'));
    expect(() => ng.adaptiveAvgPool2d(x, 0)).toThrow(new RangeError('Expected positive integer for outputSize but received 0 of type number'));
    expect(() => ng.adaptiveAvgPool2d(x, [2, 2.5])).toThrow(new RangeError('Expected positive integer for outputSize[1] but received 2.5 of type number'));
    expect(() => ng.batchNorm2d(z(4, 3, 5), null, null, null, null, true)).toThrow(
      new RangeError('Expected 4-D shape [N, C, H, W] for input but received [4, 3, 5]'));
  });
});
