// Image layers (lib/nn/conv.ts): parameters and buffers with PyTorch's shapes and names,
// default initialization bounds, Sequential's Conv2d + ReLU fusion, BatchNorm2d train/eval,
// Dropout2d, configs, and constructor / forward errors naming the argument.
import { describe, expect, it } from 'vitest';
import * as ng from '../../lib';

const nn = ng.nn;

describe('Conv2d', () => {
  it('has PyTorch-shaped parameters and PyTorch default init bounds', () => {
    ng.setSeed(3);
    const c = new nn.Conv2d(6, 8, [3, 5], { groups: 2 });
    expect(c.weight.shape).toEqual([8, 3, 3, 5]);
    expect(c.bias!.shape).toEqual([8]);
    expect(Object.keys(c.stateDict())).toEqual(['weight', 'bias']);
    const bound = 1 / Math.sqrt(3 * 3 * 5);
    for (const t of [c.weight, c.bias!]) {
      const v = Array.from(t.data as Float32Array);
      expect(Math.max(...v.map(Math.abs))).toBeLessThanOrEqual(bound);
      expect(Math.max(...v.map(Math.abs))).toBeGreaterThan(bound * 0.5);
    }
    expect(new nn.Conv2d(1, 2, 3, { bias: false }).bias).toBeNull();
  });

  it('Sequential fuses Conv2d + ReLU (same values and gradients as the unfused pair) and gives it He init', () => {
    ng.setSeed(5);
    const fused = new nn.Sequential(new nn.Conv2d(2, 4, 3, { padding: 1 }), new nn.ReLU());
    const plain = new nn.Conv2d(2, 4, 3, { padding: 1 });
    plain.loadStateDict({ weight: fused.stateDict()['0.weight'], bias: fused.stateDict()['0.bias'] });
    const bound = Math.sqrt(2) * Math.sqrt(3 / (2 * 9)); // kaimingUniform for relu
    const w = Array.from(fused.stateDict()['0.weight'].data as Float32Array);
    expect(Math.max(...w.map(Math.abs))).toBeGreaterThan(1 / Math.sqrt(18)); // beyond PyTorch's default bound
    expect(Math.max(...w.map(Math.abs))).toBeLessThanOrEqual(bound);
    const x = ng.randn([2, 2, 5, 6]);
    const a = fused.forward(x);
    const b = ng.relu(plain.forward(x));
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    ng.sum(ng.mul(a, a)).backward();
    ng.sum(ng.mul(b, b)).backward();
    expect(Array.from(fused.stateDict()['0.weight'].grad!.data)).toEqual(Array.from(plain.weight.grad!.data));
  });

  it('errors name the argument', () => {
    expect(() => new nn.Conv2d(3, 4, 3, { groups: 2 })).toThrow(new RangeError('Expected a multiple of groups (2) for inChannels but received 3'));
    expect(() => new nn.Conv2d(4, 6, 3, { groups: 4 })).toThrow(new RangeError('Expected a multiple of groups (4) for outChannels but received 6'));
    expect(() => new nn.Conv2d(0, 4, 3)).toThrow(new RangeError('Expected positive integer for inChannels but received 0 of type number'));
    expect(() => new nn.Conv2d(1, 4, [3, -1])).toThrow(new RangeError('Expected positive integer for kernelSize[1] but received -1 of type number'));
    expect(() => new nn.Conv2d(1, 4, 3, { padding: 'full' as never })).toThrow(
      new RangeError("Expected non-negative integer, [h, w], 'same' or 'valid' for padding but received \"full\" of type string"));
    // padding 'same' it cannot do fails where the layer is made (as in PyTorch), not at its first forward
    expect(() => new nn.Conv2d(1, 4, 3, { padding: 'same', stride: [1, 2] })).toThrow(
      new RangeError("Expected stride 1 with padding 'same' for stride but received [1, 2]"));
    expect(() => new nn.Conv2d(1, 4, [3, 2], { padding: 'same' })).toThrow(
      new RangeError("Expected an odd (dilated) kernel extent with padding 'same' (symmetric padding) for kernelSize but received [3, 2]"));
    expect(() => new nn.Conv1d(1, 4, 3, { padding: 'same', stride: 2 })).toThrow(
      new RangeError("Expected stride 1 with padding 'same' for stride but received [2]"));
    expect(() => new nn.Conv1d(1, 4, 4, { padding: 'same' })).toThrow(
      new RangeError("Expected an odd (dilated) kernel extent with padding 'same' (symmetric padding) for kernelSize but received [4]"));
    expect(new nn.Conv1d(1, 4, 4, { padding: 'same', dilation: 2 }).padding).toBe('same'); // extent 6: even, pads 3 each side
    const c = new nn.Conv2d(3, 4, 3);
    expect(() => c.forward(ng.zeros([2, 28, 28, 3]))).toThrow(new RangeError('Expected shape [*, 3, *, *] for input but received [2, 28, 28, 3]'));
    expect(() => c.forward(ng.zeros([3, 28, 28]))).toThrow(new RangeError('Expected shape [*, 3, *, *] for input but received [3, 28, 28]'));
  });
});

describe('Conv1d', () => {
  it('(N, C, L) in, PyTorch-shaped weight, config round trip, Sequential fuses Conv1d + ReLU', () => {
    ng.setSeed(9);
    const c = new nn.Conv1d(4, 6, 3, { groups: 2, padding: 'same', dilation: 2 });
    expect(c.weight.shape).toEqual([6, 2, 3]);
    expect(nn.fromConfig(c.getConfig()).getConfig()).toEqual(c.getConfig());
    const x = ng.randn([2, 4, 11]);
    expect(c.forward(x).shape).toEqual([2, 6, 11]);
    const fused = new nn.Sequential(new nn.Conv1d(4, 3, 5, { stride: 2 }), new nn.ReLU());
    const plain = new nn.Conv1d(4, 3, 5, { stride: 2 });
    plain.loadStateDict({ weight: fused.stateDict()['0.weight'], bias: fused.stateDict()['0.bias'] });
    expect(Array.from(fused.forward(x).data)).toEqual(Array.from(ng.relu(plain.forward(x)).data));
  });

  it('errors name the argument', () => {
    expect(() => new nn.Conv1d(3, 4, 3, { groups: 2 })).toThrow(new RangeError('Expected a multiple of groups (2) for inChannels but received 3'));
    expect(() => new nn.Conv1d(3, 4, 0)).toThrow(new RangeError('Expected positive integer for kernelSize but received 0 of type number'));
    expect(() => new nn.Conv1d(3, 4, 3).forward(ng.zeros([2, 5, 3]))).toThrow(new RangeError('Expected shape [*, 3, *] for input but received [2, 5, 3]'));
    expect(() => ng.conv1d(ng.zeros([2, 3, 8, 1]), ng.zeros([4, 3, 3]))).toThrow(
      new RangeError('Expected 3-D shape [N, C, L] for input but received [2, 3, 8, 1]'));
    expect(() => ng.conv1d(ng.zeros([2, 8, 3]), ng.zeros([4, 3, 3]))).toThrow(
      new RangeError('Expected shape [N, 3, L] (NCL: weight has 3 channels per group x 1 groups) for input but received [2, 8, 3]'));
    expect(() => ng.conv1d(ng.zeros([2, 3, 8]), ng.zeros([4, 3, 3]), null, { stride: [1, 2] as never })).toThrow(
      new TypeError('Expected a number (conv1d has one spatial dim) for stride but received an array of length 2'));
  });
});

describe('ConvTranspose2d', () => {
  it('upsamples by the stride, PyTorch weight layout and init bound, config round trip, errors', () => {
    ng.setSeed(4);
    const t = new nn.ConvTranspose2d(4, 6, 3, { stride: 2, padding: 1, outputPadding: 1, groups: 2 });
    expect(t.weight.shape).toEqual([4, 3, 3, 3]);
    const bound = 1 / Math.sqrt(3 * 9);
    expect(Math.max(...Array.from(t.weight.data, Math.abs))).toBeLessThanOrEqual(bound);
    expect(t.forward(ng.randn([2, 4, 5, 7])).shape).toEqual([2, 6, 10, 14]);
    expect(nn.fromConfig(t.getConfig()).getConfig()).toEqual(t.getConfig());
    expect(() => new nn.ConvTranspose2d(3, 4, 3, { groups: 2 })).toThrow(new RangeError('Expected a multiple of groups (2) for inChannels but received 3'));
    expect(() => t.forward(ng.zeros([2, 5, 5, 4]))).toThrow(new RangeError('Expected shape [*, 4, *, *] for input but received [2, 5, 5, 4]'));
    expect(() => ng.convTranspose2d(ng.zeros([1, 4, 3, 3]), ng.zeros([4, 2, 3, 3]), null, { stride: 2, outputPadding: 2 })).toThrow(
      new RangeError('Expected outputPadding smaller than stride or dilation for outputPadding but received [2, 2]'));
    expect(() => ng.convTranspose2d(ng.zeros([1, 5, 3, 3]), ng.zeros([4, 2, 3, 3]))).toThrow(
      new RangeError('Expected shape [N, 4, H, W] (NCHW: weight has 4 input channels) for input but received [1, 5, 3, 3]'));
  });
});

describe('Upsample', () => {
  it('nearest by whole-number factors; config round trip; bad factors refused', () => {
    const u = new nn.Upsample({ scaleFactor: [2, 3] });
    const x = ng.fromArray(Float32Array.of(1, 2, 3, 4), [1, 1, 2, 2]);
    expect(Array.from(u.forward(x).data)).toEqual([1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 3, 3, 3, 4, 4, 4]);
    expect(nn.fromConfig(u.getConfig()).getConfig()).toEqual(u.getConfig());
    expect(() => new nn.Upsample({ scaleFactor: 2, mode: 'bicubic' as never })).toThrow(
      new RangeError('Expected \'nearest\' or \'bilinear\' for mode but received "bicubic" of type string'));
    expect(() => new nn.Upsample({ scaleFactor: 1.5 })).toThrow(new RangeError('Expected positive integer for scaleFactor but received 1.5 of type number'));
    expect(() => new nn.Upsample({ size: 4 })).toThrow(
      new RangeError('Expected scaleFactor (mode \'nearest\' takes whole-number scale factors) for size but received 4 of type number'));
    expect(() => u.forward(ng.zeros([2, 3]))).toThrow(new RangeError('Expected 4-D shape [N, C, H, W] for input but received [2, 3]'));
  });

  it('bilinear: half-pixel and corner-aligned values, by scale or size; config round trip; errors', () => {
    const x = ng.fromArray(Float32Array.of(1, 2, 3, 4), [1, 1, 2, 2]);
    // torch.nn.Upsample(scale_factor=2, mode='bilinear')(x), align_corners False and True
    const half = new nn.Upsample({ scaleFactor: 2, mode: 'bilinear' });
    expect(Array.from(half.forward(x).data)).toEqual([1, 1.25, 1.75, 2, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3, 3.25, 3.75, 4]);
    const corners = new nn.Upsample({ size: [3, 3], mode: 'bilinear', alignCorners: true });
    expect(Array.from(corners.forward(x).data)).toEqual([1, 1.5, 2, 2, 2.5, 3, 3, 3.5, 4]);
    for (const m of [half, corners]) expect(nn.fromConfig(m.getConfig()).getConfig()).toEqual(m.getConfig());
    expect(corners.getConfig()).toEqual({ type: 'Upsample', args: { mode: 'bilinear', size: [3, 3], alignCorners: true } });
    expect(String(corners)).toContain('size=[3,3], mode=bilinear, alignCorners=true');
    expect(() => new nn.Upsample({ scaleFactor: 2, size: 3, mode: 'bilinear' })).toThrow(
      new RangeError('Expected exactly one of size and scaleFactor for options but received both'));
    expect(() => new nn.Upsample({ mode: 'bilinear' })).toThrow(
      new RangeError('Expected exactly one of size and scaleFactor for options but received neither'));
    expect(() => new nn.Upsample({ scaleFactor: [2, -1], mode: 'bilinear' })).toThrow(
      new RangeError('Expected positive finite number for scaleFactor[1] but received -1 of type number'));
    expect(() => new nn.Upsample({ size: [2, 2.5], mode: 'bilinear' })).toThrow(
      new RangeError('Expected positive integer for size[1] but received 2.5 of type number'));
    expect(() => new nn.Upsample({ scaleFactor: 2, mode: 'bilinear', alignCorners: 1 as never })).toThrow(TypeError);
    expect(() => ng.upsampleBilinear2d(x, { scaleFactor: 0.4 })).toThrow(
      new RangeError('Expected a scale factor that leaves an output of at least 1 x 1 for scaleFactor but received [0.4, 0.4] (input 2 x 2, output 0 x 0)'));
    expect(() => half.forward(ng.zeros([1, 4, 4]))).toThrow(new RangeError('Expected 4-D shape [N, C, H, W] for input but received [1, 4, 4]'));
  });
});

describe('Residual', () => {
  it('adds the body to the input (or to the shortcut); gradients through both paths; names, config, errors', () => {
    ng.setSeed(5);
    const body = new nn.Sequential(new nn.Conv2d(2, 2, 3, { padding: 1 }), new nn.ReLU());
    const r = new nn.Residual(body);
    const x = ng.randn([1, 2, 4, 4]).requiresGrad_();
    const y = r.forward(x);
    const b = body.forward(x);
    expect(Array.from(y.data)).toEqual(Array.from(b.data).map((v, k) => Math.fround(v + x.data[k])));
    ng.sum(y).backward();
    const gx = Array.from(x.grad!.data);
    x.grad = null;
    ng.sum(body.forward(x)).backward();
    const want = Array.from(x.grad!.data).map((g) => g + 1); // d(body)/dx + identity
    gx.forEach((g, k) => expect(Math.abs(g - want[k]), `dx[${k}]`).toBeLessThan(1e-6));
    const proj = new nn.Residual(new nn.Sequential(new nn.Conv2d(2, 4, 3, { stride: 2, padding: 1 })), new nn.Conv2d(2, 4, 1, { stride: 2 }));
    expect(proj.forward(ng.randn([2, 2, 5, 5])).shape).toEqual([2, 4, 3, 3]);
    expect(Object.keys(proj.stateDict())).toEqual(['body.0.weight', 'body.0.bias', 'shortcut.weight', 'shortcut.bias']);
    for (const m of [r, proj]) expect(nn.fromConfig(m.getConfig()).getConfig()).toEqual(m.getConfig());
    expect(() => new nn.Residual(new nn.Conv2d(2, 3, 1)).forward(ng.randn([1, 2, 3, 3]))).toThrow(
      new RangeError("Expected a body output shaped like the shortcut's [1, 2, 3, 3] for body but received [1, 3, 3, 3]"));
    expect(() => new nn.Residual(null as never)).toThrow(TypeError);
  });
});

describe('BatchNorm2d', () => {
  it('training updates the running statistics (unbiased variance); eval uses them', () => {
    const bn = new nn.BatchNorm2d(2, { momentum: 0.5 });
    expect(Object.keys(bn.stateDict())).toEqual(['weight', 'bias', 'runningMean', 'runningVar']);
    // channel 0: values 0..7, channel 1: 10 * (0..7); N = 2, H = 2, W = 2
    const data = [0, 1, 2, 3, 0, 10, 20, 30, 4, 5, 6, 7, 40, 50, 60, 70];
    const x = ng.fromArray(Float32Array.from(data), [2, 2, 2, 2]);
    const y = bn.forward(x);
    const var0 = 6; // unbiased variance of 0..7
    expect(Array.from(bn.runningMean.data)).toEqual([0.5 * 3.5, 0.5 * 35]);
    const rv = Array.from(bn.runningVar.data);
    expect(rv[0]).toBeCloseTo(0.5 + 0.5 * var0, 5);
    expect(rv[1]).toBeCloseTo(0.5 + 0.5 * 600, 3);
    expect(y.data[0]).toBeCloseTo(-3.5 / Math.sqrt(5.25 + 1e-5), 5);
    bn.eval();
    const z = bn.forward(x);
    expect(z.data[0]).toBeCloseTo((0 - 1.75) / Math.sqrt(rv[0] + 1e-5), 5);
    expect(Array.from(bn.runningMean.data)).toEqual([0.5 * 3.5, 0.5 * 35]);
  });

  it('eval: Sequential folds Conv2d + BatchNorm2d (+ ReLU) into one convolution, matching the unfolded layers within 1e-5', () => {
    ng.setSeed(11);
    const model = new nn.Sequential(
      new nn.Conv2d(4, 6, 3, { stride: 2, padding: 2, groups: 2 }), new nn.BatchNorm2d(6), new nn.ReLU(),
      new nn.Conv2d(6, 5, [1, 3], { bias: false, dilation: 2, padding: [0, 2] }), new nn.BatchNorm2d(5, { eps: 1e-3, affine: false }),
      new nn.Conv2d(5, 3, 3, { padding: 1 }), new nn.BatchNorm2d(3, { momentum: 0.3 }),
    );
    const bns = model.layers.filter((m): m is InstanceType<typeof nn.BatchNorm2d> => m instanceof nn.BatchNorm2d);
    for (const bn of bns) {
      if (bn.weight) (bn.weight.data as Float32Array).set(ng.randn([bn.numFeatures]).data as Float32Array);
      if (bn.bias) (bn.bias.data as Float32Array).set(ng.randn([bn.numFeatures]).data as Float32Array);
    }
    for (let i = 0; i < 3; i++) model.forward(ng.mul(ng.add(ng.randn([5, 4, 9, 11]), 0.7), 2)); // running statistics away from 0 / 1
    model.eval();
    const x = ng.randn([3, 4, 9, 11]);
    const unfolded = (): Float32Array => {
      let y = x;
      for (const m of model.layers) y = m.forward(y);
      return y.data as Float32Array;
    };
    const close = (a: Float32Array, b: Float32Array): void => {
      expect(a.length).toBe(b.length);
      let worst = 0;
      for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
      expect(worst).toBeLessThan(1e-5);
    };
    const want = ng.noGrad(unfolded);
    const folded = ng.noGrad(() => model.forward(x)).data as Float32Array;
    close(folded, want);
    // the fold is not exact arithmetic: it really ran (the outputs differ in the last bits somewhere)
    expect(folded.some((v, i) => v !== want[i])).toBe(true);
    // recorded for autograd: the unfolded path, gradients reach the BatchNorm parameters
    const y = model.forward(x);
    close(y.data as Float32Array, want);
    ng.sum(y).backward();
    expect(bns[0].weight!.grad).not.toBeNull();
    // nothing is cached: new statistics and weights are seen at once
    (bns[2].runningVar.data as Float32Array)[1] *= 3;
    (model.layers[0] as InstanceType<typeof nn.Conv2d>).weight.data[0] += 0.5;
    close(ng.noGrad(() => model.forward(x)).data as Float32Array, ng.noGrad(unfolded));
  });

  it('eval: a ResNet block (folded convolutions, ReLU in place after the Residual) matches the layers run one by one', () => {
    ng.setSeed(12);
    const body = new nn.Sequential(new nn.Conv2d(3, 4, 3, { stride: 2, padding: 1, bias: false }), new nn.BatchNorm2d(4), new nn.ReLU(),
      new nn.Conv2d(4, 4, 3, { padding: 1, bias: false }), new nn.BatchNorm2d(4));
    const shortcut = new nn.Sequential(new nn.Conv2d(3, 4, 1, { stride: 2, bias: false }), new nn.BatchNorm2d(4));
    const res = new nn.Residual(body, shortcut);
    const model = new nn.Sequential(res, new nn.ReLU());
    model.forward(ng.randn([4, 3, 10, 9])); // running statistics
    model.eval();
    const x = ng.randn([2, 3, 10, 9]);
    const run = (seq: InstanceType<typeof nn.Sequential>, v: ng.Tensor): ng.Tensor => seq.layers.reduce((t, m) => m.forward(t), v);
    const want = ng.noGrad(() => ng.relu(ng.add(run(body, x), run(shortcut, x)))).data as Float32Array;
    const got = ng.noGrad(() => model.forward(x)).data as Float32Array;
    expect(got.length).toBe(want.length);
    for (let i = 0; i < got.length; i++) expect(Math.abs(got[i] - want[i])).toBeLessThan(1e-5 * Math.max(1, Math.abs(want[i])));
    expect(got.some((v) => v === 0) && got.some((v) => v > 0)).toBe(true);
    expect(Array.from(model.forward(x).data as Float32Array).every((v, i) => Math.abs(v - want[i]) < 1e-5 * Math.max(1, Math.abs(want[i])))).toBe(true);
  });

  it('MaxPool2d without autograd (no argmax indices kept) gives the same values as with it', () => {
    ng.setSeed(4);
    const x = ng.randn([2, 3, 11, 37]);
    x.requiresGrad = true;
    for (const m of [new nn.MaxPool2d(2), new nn.MaxPool2d(3, { stride: 2, padding: 1, ceilMode: true })]) {
      const y = m.forward(x);
      const z = ng.noGrad(() => m.forward(x));
      expect(y.requiresGrad).toBe(true);
      expect(z.requiresGrad).toBe(false);
      expect(Array.from(z.data)).toEqual(Array.from(y.data));
    }
  });

  it('affine: false has no parameters; wrong channel count names the input', () => {
    const bn = new nn.BatchNorm2d(3, { affine: false });
    expect(bn.parameters()).toEqual([]);
    expect(Object.keys(bn.stateDict())).toEqual(['runningMean', 'runningVar']);
    expect(() => bn.forward(ng.zeros([2, 4, 3, 3]))).toThrow(new RangeError('Expected shape [*, 3, *, *] for input but received [2, 4, 3, 3]'));
    expect(() => new nn.BatchNorm2d(3, { momentum: 2 })).toThrow(new RangeError('Expected number in [0, 1] for momentum but received 2 of type number'));
  });
});

describe('pooling layers, Dropout2d, configs', () => {
  it('stride defaults to the kernel size; getConfig -> fromConfig rebuilds the same layer', () => {
    const layers = [
      new nn.MaxPool2d(3, { padding: 1, ceilMode: true }), new nn.AvgPool2d([2, 3], { stride: 1, countIncludePad: false }),
      new nn.AdaptiveAvgPool2d([3, null]), new nn.Conv2d(4, 4, 3, { groups: 4, padding: 'same', dilation: 2 }),
      new nn.BatchNorm2d(4, { eps: 1e-3, affine: false }), new nn.Dropout2d(0.2),
    ];
    expect((layers[0] as ng.nn.MaxPool2d).stride).toEqual([3, 3]);
    for (const m of layers) expect(nn.fromConfig(m.getConfig()).getConfig()).toEqual(m.getConfig());
    const x = ng.randn([2, 4, 7, 8]);
    expect(layers[0].forward(x).shape).toEqual([2, 4, 3, 3]);
    expect(layers[1].forward(x).shape).toEqual([2, 4, 6, 6]);
    expect(layers[2].forward(x).shape).toEqual([2, 4, 3, 8]);
    expect(layers[3].forward(x).shape).toEqual([2, 4, 7, 8]);
  });

  it('Dropout2d zeroes whole channels in training and is the identity in eval', () => {
    ng.setSeed(11);
    const d = new nn.Dropout2d(0.5);
    const x = ng.add(ng.rand([4, 8, 3, 3]), 1);
    const y = d.forward(x).data as Float32Array;
    let dropped = 0;
    for (let ch = 0; ch < 32; ch++) {
      const plane = Array.from(y.subarray(ch * 9, ch * 9 + 9));
      const xs = Array.from((x.data as Float32Array).subarray(ch * 9, ch * 9 + 9));
      if (plane[0] === 0) {
        dropped++;
        expect(plane.every((v) => v === 0)).toBe(true);
      } else {
        plane.forEach((v, i) => expect(v).toBeCloseTo(xs[i] * 2, 5));
      }
    }
    expect(dropped).toBeGreaterThan(4);
    expect(dropped).toBeLessThan(28);
    d.eval();
    expect(d.forward(x)).toBe(x);
    expect(() => new nn.Dropout2d(1)).toThrow(new RangeError('Expected number in [0, 1) for p but received 1 of type number'));
  });

  it('pooling constructor errors', () => {
    expect(() => new nn.MaxPool2d(0)).toThrow(new RangeError('Expected positive integer for kernelSize but received 0 of type number'));
    expect(() => new nn.MaxPool2d(2, { ceilMode: 'yes' as never })).toThrow(new TypeError('Expected boolean for ceilMode but received "yes" of type string'));
    expect(() => new nn.AdaptiveAvgPool2d(0)).toThrow(new RangeError('Expected positive integer for outputSize but received 0 of type number'));
  });
});
