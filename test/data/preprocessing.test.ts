import { describe, expect, it } from 'vitest';
import {
  MinMaxScaler, StandardScaler, RobustScaler, Normalizer, OneHotEncoder, LabelEncoder, SimpleImputer,
  Clipper, clipOutliers, Pipeline, preprocessorFromJSON,
} from '../../lib/data';
import { fromArray, memoryStats, Tensor } from '../../lib/data/tensor-api';
import { sk, nan, expectClose } from './helpers';

const X: number[][] = sk.X;
const Xm = nan(sk.Xm);

function toTensor(m: number[][]): Tensor {
  return fromArray(Float32Array.from(m.flat()), [m.length, m[0].length]);
}
function rows(t: Tensor): number[][] {
  const [n, d] = t.shape;
  return Array.from({ length: n }, (_, i) => Array.from(t.data.subarray(i * d, (i + 1) * d)));
}

describe('scalers match scikit-learn', () => {
  it('MinMaxScaler', () => {
    const s = new MinMaxScaler().fit(X);
    expectClose(s.transform(X), sk.minmax.default.transform);
    expectClose(s.scale!, sk.minmax.default.scale);
    expectClose(s.min!, sk.minmax.default.min);
    expectClose(s.dataMin!, sk.minmax.default.dataMin);
    expectClose(s.dataMax!, sk.minmax.default.dataMax);
    const r = new MinMaxScaler({ featureRange: [-1, 3] });
    expectClose(r.fitTransform(X), sk.minmax.range.transform);
    expectClose(r.inverseTransform(r.transform(X)), X);
    expectClose(new MinMaxScaler().fitTransform(Xm), sk.minmax.nan.transform);
  });

  it('MinMaxScaler clip', () => {
    const s = new MinMaxScaler({ clip: true }).fit([[0], [10]]);
    expect(s.transform([[-5], [5], [20]])).toEqual([[0], [0.5], [1]]);
  });

  it('StandardScaler (constant column gets scale 1)', () => {
    for (const [name, opts] of [['default', {}], ['noMean', { withMean: false }], ['noStd', { withStd: false }]] as const) {
      const s = new StandardScaler(opts).fit(X);
      expectClose(s.transform(X), sk.standard[name].transform);
      expectClose(s.mean!, sk.standard[name].mean);
      if (name !== 'noStd') {
        expectClose(s.scale!, sk.standard[name].scale);
        expectClose(s.var!, sk.standard[name].var);
      } else {
        expect(s.scale).toBeNull();
      }
      expectClose(s.inverseTransform(s.transform(X)), X, 1e-12);
    }
    const s = new StandardScaler().fit(X);
    expect(s.scale![2]).toBe(1);
    const nanFit = new StandardScaler().fit(Xm);
    expectClose(nanFit.transform(Xm), sk.standard.nan.transform);
    expectClose(nanFit.mean!, sk.standard.nan.mean);
  });

  it('RobustScaler', () => {
    for (const [name, opts] of [['default', {}], ['q10_90', { quantileRange: [10, 90] }], ['noCenter', { withCentering: false }]] as const) {
      const s = new RobustScaler(opts as any).fit(X);
      expectClose(s.transform(X), sk.robust[name].transform);
      expectClose(s.scale!, sk.robust[name].scale);
      if (name !== 'noCenter') expectClose(s.center!, sk.robust[name].center);
      expectClose(s.inverseTransform(s.transform(X)), X);
    }
    expectClose(new RobustScaler().fitTransform(Xm), sk.robust.nan.transform);
  });

  it('Normalizer l1/l2/max, zero rows stay zero', () => {
    const Z = [...X, [0, 0, 0, 0, 0]];
    for (const norm of ['l1', 'l2', 'max'] as const) {
      expectClose(new Normalizer({ norm }).fitTransform(Z), sk.normalizer[norm]);
    }
  });

  it('works on float32 tensors and returns tensors', () => {
    const t = toTensor(X);
    const s = new StandardScaler().fit(t);
    const out = s.transform(t);
    expect(out).toBeInstanceOf(Tensor);
    expect(out.shape).toEqual([13, 5]);
    // Reference: the float64 path on the same float32-rounded values.
    const X32 = X.map((r) => r.map(Math.fround));
    expectClose(rows(out), new StandardScaler().fitTransform(X32), 1e-6);
    const back = s.inverseTransform(out);
    expectClose(rows(back), X32, 1e-6);
    for (const x of [t, out, back]) x.dispose();
  });
});

describe('tensor and array paths agree for every numeric transformer', () => {
  it('float32 tensors in, new float32 tensors out, inputs untouched', () => {
    const X32 = Xm.map((r) => r.map((v) => (Number.isNaN(v) ? NaN : Math.fround(v))));
    const makers = [
      () => new MinMaxScaler({ featureRange: [-1, 1], clip: true }), () => new StandardScaler(), () => new RobustScaler(),
      () => new Normalizer({ norm: 'max' }), () => new SimpleImputer({ strategy: 'median' }), () => new Clipper({ iqr: 1 }),
      () => new Pipeline([new SimpleImputer(), new RobustScaler(), new MinMaxScaler()]),
    ];
    const base = memoryStats().storages;
    for (const make of makers) {
      const t = toTensor(X32);
      const before = Array.from(t.data);
      const out = make().fitTransform(t);
      expect(out).toBeInstanceOf(Tensor);
      expect(out).not.toBe(t);
      expect(out.shape).toEqual([13, 5]);
      expect(Array.from(t.data)).toEqual(before);
      expectClose(rows(out), make().fitTransform(X32).map((r) => r.map(Math.fround)), 1e-6);
      t.dispose(); out.dispose();
      const p = new Pipeline([new SimpleImputer(), new StandardScaler()]);
      const t2 = toTensor(X32);
      p.fit(t2);
      const z = p.transform(t2);
      const back = p.inverseTransform(z);
      expectClose(rows(back), rows(t2).map((r) => r.map((v) => (Number.isNaN(v) ? NaN : v))).map((r, i) => r.map((v, j) => (Number.isNaN(v) ? back.data[i * 5 + j] : v))), 1e-5);
      z.dispose(); back.dispose();
      t2.dispose();
    }
    expect(memoryStats().storages).toBe(base);
  });
});

describe('SimpleImputer matches scikit-learn', () => {
  for (const strategy of ['mean', 'median', 'most_frequent'] as const) {
    it(strategy, () => {
      const imp = new SimpleImputer({ strategy }).fit(Xm);
      expectClose(imp.statistics!, sk.imputer[strategy].statistics);
      expectClose(imp.transform(Xm), sk.imputer[strategy].transform);
    });
  }
  it('constant', () => {
    const imp = new SimpleImputer({ strategy: 'constant', fillValue: -1.5 });
    expectClose(imp.fitTransform(Xm), sk.imputer.constant.transform);
  });
  it('null cells count as missing; an all-missing column is filled with 0', () => {
    const imp = new SimpleImputer({ strategy: 'mean' });
    expect(imp.fitTransform([[1, null], [3, null], [null, null]])).toEqual([[1, 0], [3, 0], [2, 0]]);
  });
  it("accepts the alias 'mostFrequent'", () => {
    expect(new SimpleImputer({ strategy: 'mostFrequent' }).strategy).toBe('most_frequent');
  });
});

describe('Clipper', () => {
  it('quantiles and IQR fences match numpy', () => {
    const q = new Clipper({ quantiles: [0.05, 0.95] }).fit(Xm);
    expectClose(q.lower!, sk.clip.quantiles.lower);
    expectClose(q.upper!, sk.clip.quantiles.upper);
    expectClose(q.transform(Xm), sk.clip.quantiles.transform);
    expectClose(clipOutliers(Xm, { iqr: 1.5 }), sk.clip.iqr.transform);
  });
  it('by value, scalar or per column', () => {
    expect(clipOutliers([[-5, 5], [0, 50]], { min: -1, max: 10 })).toEqual([[-1, 5], [0, 10]]);
    expect(new Clipper({ min: [0, 10] }).transform([[-5, 5], [3, 50]])).toEqual([[0, 10], [3, 50]]);
  });
  it('rejects mixed modes', () => {
    expect(() => new Clipper({ min: 0, iqr: 1.5 })).toThrow(
      'Expected exactly one of { min/max }, { quantiles } or { iqr } for options but received { min, iqr }');
    expect(() => new Clipper({ quantiles: [0.9, 0.1] })).toThrow(
      'Expected [lo, hi] with 0 <= lo < hi <= 1 for quantiles but received an array of length 2');
  });
});

describe('encoders match scikit-learn', () => {
  it('OneHotEncoder', () => {
    const enc = new OneHotEncoder({ handleUnknown: 'ignore' }).fit(sk.onehot.X);
    expect(enc.categories).toEqual(sk.onehot.categories);
    expect(enc.transform(sk.onehot.X)).toEqual(sk.onehot.transform);
    expect(enc.transform(sk.onehot.unknown)).toEqual(sk.onehot.unknownTransform);
    expect(enc.featureNames(['color', 'size', 'grade'])).toEqual(sk.onehot.featureNames);
    expect(enc.inverseTransform(enc.transform(sk.onehot.X))).toEqual(sk.onehot.X);
    expect(enc.inverseTransform(enc.transform([['purple', 3, 'a']]))).toEqual([[null, 3, 'a']]);
  });
  it('OneHotEncoder unknown -> error by default', () => {
    const enc = new OneHotEncoder().fit([['a'], ['b']]);
    expect(() => enc.transform([['a'], ['c']])).toThrow(
      'Expected a category seen during fit ("a", "b") for x[1][0] but received "c" of type string');
  });
  it('OneHotEncoder with fixed categories: a subset encodes an identical row identically; unknown -> error or zeros', () => {
    const categories = [['drizzle', 'fog', 'rain', 'snow', 'sun']];
    const full = new OneHotEncoder({ categories }).fit([['rain'], ['fog'], ['snow'], ['sun'], ['drizzle']]);
    const subset = new OneHotEncoder({ categories }).fit([['fog'], ['rain']]);
    expect(subset.categories).toEqual(categories);
    expect(subset.transform([['fog']])).toEqual(full.transform([['fog']]));
    expect(subset.transform([['fog']])).toEqual([[0, 1, 0, 0, 0]]);
    expect(() => new OneHotEncoder({ categories }).fit([['fog'], ['hail']])).toThrow(
      'Expected one of the given categories ("drizzle", "fog", "rain", "snow", "sun") for x[1][0] but received "hail" of type string');
    const ignore = new OneHotEncoder({ categories, handleUnknown: 'ignore' }).fit([['fog'], ['hail']]);
    expect(ignore.transform([['hail'], ['fog']])).toEqual([[0, 0, 0, 0, 0], [0, 1, 0, 0, 0]]);
  });
  it('OneHotEncoder on a tensor of codes', () => {
    const t = fromArray(new Float32Array([2, 0, 1, 2]), [4, 1]);
    const enc = new OneHotEncoder();
    const out = enc.fitTransform(t);
    expect(out.shape).toEqual([4, 3]);
    expect(Array.from(out.data)).toEqual([0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 1]);
    t.dispose(); out.dispose();
  });
  it('LabelEncoder', () => {
    const le = new LabelEncoder();
    expect(le.fitTransform(sk.label.y)).toEqual(sk.label.transform);
    expect(le.classes).toEqual(sk.label.classes);
    expect(le.inverseTransform([2, 0])).toEqual(['dog', 'ant']);
    const ln = new LabelEncoder();
    expect(ln.fitTransform(sk.labelNumeric.y)).toEqual(sk.labelNumeric.transform);
    expect(ln.classes).toEqual(sk.labelNumeric.classes);
    expect(() => le.transform(['cat', 'emu'])).toThrow(
      'Expected a label seen during fit ("ant", "cat", "dog") for y[1] but received "emu" of type string');
    const t = ln.transform(fromArray(new Int32Array([7, 10]), [2]));
    expect(Array.from(t.data)).toEqual([1, 2]);
    expect(t).toBeInstanceOf(Tensor);
    t.dispose();
  });
});

describe('serialization', () => {
  it('every transformer round-trips through JSON', () => {
    const fitted = [
      new MinMaxScaler({ featureRange: [-1, 3] }).fit(X),
      new StandardScaler().fit(Xm),
      new RobustScaler({ quantileRange: [10, 90] }).fit(X),
      new Normalizer({ norm: 'l1' }).fit(X),
      new SimpleImputer({ strategy: 'median' }).fit(Xm),
      new Clipper({ iqr: 1.5 }).fit(Xm),
      new Pipeline([new SimpleImputer(), new StandardScaler()]).fit(Xm),
    ];
    for (const t of fitted) {
      const json = JSON.parse(JSON.stringify(t.toJSON()));
      const back = preprocessorFromJSON(json) as typeof t;
      expect(back.constructor).toBe(t.constructor);
      const a = t.transform(Xm), b = back.transform(Xm);
      expectClose(b, a, 0);
    }
    const enc = new OneHotEncoder({ handleUnknown: 'ignore' }).fit(sk.onehot.X);
    const enc2 = OneHotEncoder.fromJSON(JSON.parse(JSON.stringify(enc)));
    expect(enc2.transform(sk.onehot.unknown)).toEqual(sk.onehot.unknownTransform);
    const le = LabelEncoder.fromJSON(JSON.parse(JSON.stringify(new LabelEncoder().fit(['b', 'a']))));
    expect(le.transform(['a', 'b'])).toEqual([0, 1]);
  });
  it('rejects the wrong state', () => {
    expect(() => StandardScaler.fromJSON(new MinMaxScaler().toJSON())).toThrow(
      'Expected StandardScaler state (from toJSON()) for json but received state of type "MinMaxScaler"');
    expect(() => preprocessorFromJSON({ type: 'Nope' })).toThrow(/^Expected preprocessor state with type one of MinMaxScaler, .* for json but received type "Nope"$/);
  });
});

describe('argument and input errors', () => {
  it('unfitted, ragged, non-numeric, wrong width', () => {
    expect(() => new StandardScaler().transform(X)).toThrow(
      'StandardScaler is not fitted yet: call fit(x) or fitTransform(x) before transform(x)');
    expect(() => new StandardScaler().fit([[1, 2], [3]])).toThrow('Expected row of length 2 for x[1] but received an array of length 1');
    expect(() => new StandardScaler().fit([[1, 2], [3, 'a' as any]])).toThrow('Expected number for x[1][1] but received "a" of type string');
    expect(() => new StandardScaler().fit(X).transform([[1, 2]])).toThrow(
      'Expected 5 features (as fitted by StandardScaler) for x but received 2 features');
    expect(() => new MinMaxScaler({ featureRange: [1, 0] })).toThrow('Expected [min, max] with min < max for featureRange but received [1, 0]');
    expect(() => new Normalizer({ norm: 'l3' as any })).toThrow("Expected one of 'l1', 'l2', 'max' for norm but received \"l3\" of type string");
    expect(() => new SimpleImputer({ strategy: 'mode' as any })).toThrow(
      "Expected one of 'mean', 'median', 'most_frequent', 'constant' for strategy but received \"mode\" of type string");
    expect(() => new StandardScaler().fit([])).toThrow('Expected at least one row for x but received an array of length 0');
  });
});
