"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.translate = void 0;
exports.fastNormal = fastNormal;
exports.gaussianNoise = gaussianNoise;
exports.randomHorizontalFlip = randomHorizontalFlip;
exports.randomShift = randomShift;
exports.randomCrop = randomCrop;
exports.randomRotation = randomRotation;
exports.sampleBeta = sampleBeta;
exports.mixup = mixup;
exports.compose = compose;
/**
 * Seeded, per-batch augmentation for DataLoader transforms. Each factory returns a
 * BatchTransform (batch, ctx) => batch that does nothing when ctx.training is false, so the same
 * loader pipeline is safe for evaluation. Spatial augmentations take images (N, H, W),
 * (N, C, H, W), or flat (N, D) with { imageShape: [H, W] | [C, H, W] } (a square D such as 784
 * is read as one 28 x 28 channel). Random choices are made per sample from ctx.rng.
 * Transforms change batch.x in place when the shape is kept (the loader's batches are fresh
 * copies); randomCrop to another size and mixup of int labels return new tensors.
 *
 *   transform: compose([randomCrop({ padding: 2 }), randomRotation(10), gaussianNoise(0.05)])
 */
const validate_1 = require("../core/validate");
const random_1 = require("../core/random");
const tensor_api_1 = require("./tensor-api");
const matrix_1 = require("./matrix");
function defaultCtx(ctx) {
    return ctx ?? { training: true, rng: random_1.globalRng, epoch: 0, batchIndex: 0 };
}
function checkBatch(batch) {
    if (typeof batch !== 'object' || batch === null || !(0, matrix_1.isTensor)(batch.x))
        (0, validate_1.typeError)('batch { x, y? }', 'batch', batch);
    if (batch.x.dtype !== 'float32')
        throw new TypeError((0, validate_1.expected)('float32 x', 'batch.x', `${batch.x.dtype} tensor`));
}
function imageLayout(x, imageShape) {
    const s = x.shape;
    const n = s[0];
    if (imageShape) {
        const [c, h, w] = imageShape.length === 2 ? [1, imageShape[0], imageShape[1]] : imageShape;
        if (c * h * w !== x.size / Math.max(n, 1)) {
            throw new RangeError((0, validate_1.expected)(`images of ${c * h * w} values (imageShape ${(0, validate_1.fmtShape)(imageShape)})`, 'batch.x', `shape ${(0, validate_1.fmtShape)(s)}`));
        }
        return { n, c, h, w };
    }
    if (s.length === 4)
        return { n, c: s[1], h: s[2], w: s[3] };
    if (s.length === 3)
        return { n, c: 1, h: s[1], w: s[2] };
    if (s.length === 2) {
        const side = Math.round(Math.sqrt(s[1]));
        if (side * side === s[1])
            return { n, c: 1, h: side, w: side };
    }
    throw new RangeError((0, validate_1.expected)('images (N, H, W) or (N, C, H, W), or imageShape for flat input', 'batch.x', `shape ${(0, validate_1.fmtShape)(s)}`));
}
function checkImageOptions(opts) {
    (0, validate_1.assertPlainObject)(opts, 'options');
    const fill = opts.fill ?? 0;
    (0, validate_1.assertFinite)(fill, 'fill');
    const is = opts.imageShape;
    if (is !== undefined && (!Array.isArray(is) || (is.length !== 2 && is.length !== 3) || !is.every((d) => Number.isInteger(d) && d > 0))) {
        throw new RangeError((0, validate_1.expected)('[H, W] or [C, H, W] of positive integers', 'imageShape', Array.isArray(is) ? (0, validate_1.fmtShape)(is) : (0, validate_1.describe)(is)));
    }
    return { imageShape: is ? [...is] : undefined, fill };
}
// Ziggurat tables (Marsaglia & Tsang 2000, 128 layers) for fast standard normals from 32-bit draws.
const KN = new Uint32Array(128);
const WN = new Float64Array(128);
const FN = new Float64Array(128);
(() => {
    const m1 = 2147483648;
    let dn = 3.442619855899;
    let tn = dn;
    const vn = 9.91256303526217e-3;
    const q = vn / Math.exp(-0.5 * dn * dn);
    KN[0] = (dn / q) * m1;
    KN[1] = 0;
    WN[0] = q / m1;
    WN[127] = dn / m1;
    FN[0] = 1;
    FN[127] = Math.exp(-0.5 * dn * dn);
    for (let i = 126; i >= 1; i--) {
        dn = Math.sqrt(-2 * Math.log(vn / dn + Math.exp(-0.5 * dn * dn)));
        KN[i + 1] = (dn / tn) * m1;
        tn = dn;
        FN[i] = Math.exp(-0.5 * dn * dn);
        WN[i] = dn / m1;
    }
})();
/** A standard normal by the ziggurat method: usually one 32-bit draw and a multiply. */
function fastNormal(rng) {
    for (;;) {
        const hz = rng.nextUint32() | 0;
        const iz = hz & 127;
        const ahz = hz < 0 ? -hz : hz;
        if (ahz < KN[iz])
            return hz * WN[iz];
        // Slow path: the base strip's tail or the wedge of a layer.
        if (iz === 0) {
            const r = 3.442619855899;
            let x, y;
            do {
                x = -Math.log(rng.uniform() || Number.MIN_VALUE) / r;
                y = -Math.log(rng.uniform() || Number.MIN_VALUE);
            } while (y + y < x * x);
            return hz > 0 ? r + x : -r - x;
        }
        const x = hz * WN[iz];
        if (FN[iz] + rng.uniform() * (FN[iz - 1] - FN[iz]) < Math.exp(-0.5 * x * x))
            return x;
    }
}
/** Adds N(0, std^2) noise to every value of x; optional clip range afterwards. */
function gaussianNoise(std, opts = {}) {
    (0, validate_1.assertFinite)(std, 'std');
    if (std < 0)
        throw new RangeError((0, validate_1.expected)('non-negative number', 'std', (0, validate_1.describe)(std)));
    (0, validate_1.assertPlainObject)(opts, 'options');
    const clip = opts.clip;
    if (clip !== undefined && (!Array.isArray(clip) || clip.length !== 2 || !(clip[0] <= clip[1]))) {
        throw new RangeError((0, validate_1.expected)('[lo, hi] with lo <= hi', 'clip', (0, validate_1.describe)(clip)));
    }
    return (batch, ctx) => {
        const c = defaultCtx(ctx);
        if (!c.training || std === 0)
            return batch;
        checkBatch(batch);
        const d = batch.x.data;
        for (let i = 0; i < d.length; i++) {
            let v = d[i] + std * fastNormal(c.rng);
            if (clip)
                v = v < clip[0] ? clip[0] : v > clip[1] ? clip[1] : v;
            d[i] = v;
        }
        return batch;
    };
}
/** Mirrors each image left-right with probability p. */
function randomHorizontalFlip(p = 0.5, opts = {}) {
    (0, validate_1.assertNumberInRange)(p, 'p', 0, 1);
    const o = checkImageOptions(opts);
    return (batch, ctx) => {
        const c = defaultCtx(ctx);
        if (!c.training)
            return batch;
        checkBatch(batch);
        const { n, c: ch, h, w } = imageLayout(batch.x, o.imageShape);
        const d = batch.x.data;
        for (let s = 0; s < n; s++) {
            if (!(c.rng.uniform() < p))
                continue;
            for (let r = 0; r < ch * h; r++) {
                const row = d.subarray((s * ch * h + r) * w, (s * ch * h + r + 1) * w);
                row.reverse();
            }
        }
        return batch;
    };
}
/** Copies `src` (ch, h, w) into dst (ch, oh, ow) shifted: dst[i][j] = src[i - dy][j - dx] or fill. */
function shiftInto(src, dst, ch, h, w, oh, ow, dy, dx, fill) {
    for (let k = 0; k < ch; k++) {
        for (let i = 0; i < oh; i++) {
            const si = i - dy;
            const drow = (k * oh + i) * ow;
            if (si < 0 || si >= h) {
                dst.fill(fill, drow, drow + ow);
                continue;
            }
            const srow = (k * h + si) * w;
            for (let j = 0; j < ow; j++) {
                const sj = j - dx;
                dst[drow + j] = sj >= 0 && sj < w ? src[srow + sj] : fill;
            }
        }
    }
}
/** Moves each image by a random whole number of pixels in [-maxShift, maxShift] on both axes. */
function randomShift(maxShift, opts = {}) {
    (0, validate_1.assertNonNegativeInteger)(maxShift, 'maxShift');
    const o = checkImageOptions(opts);
    return (batch, ctx) => {
        const c = defaultCtx(ctx);
        if (!c.training || maxShift === 0)
            return batch;
        checkBatch(batch);
        const { n, c: ch, h, w } = imageLayout(batch.x, o.imageShape);
        const d = batch.x.data;
        const size = ch * h * w;
        const tmp = new Float32Array(size);
        for (let s = 0; s < n; s++) {
            const dy = c.rng.int(2 * maxShift + 1) - maxShift;
            const dx = c.rng.int(2 * maxShift + 1) - maxShift;
            if (dx === 0 && dy === 0)
                continue;
            const img = d.subarray(s * size, (s + 1) * size);
            tmp.set(img);
            shiftInto(tmp, img, ch, h, w, h, w, dy, dx, o.fill);
        }
        return batch;
    };
}
/** Alias of randomShift. */
exports.translate = randomShift;
/** Pads each image by `padding` and crops `size` at a random position (torchvision's RandomCrop). */
function randomCrop(opts = {}) {
    const o = checkImageOptions(opts);
    const padding = opts.padding ?? 0;
    (0, validate_1.assertNonNegativeInteger)(padding, 'padding');
    const size = opts.size;
    if (size !== undefined && (!Array.isArray(size) || size.length !== 2 || !size.every((d) => Number.isInteger(d) && d > 0))) {
        throw new RangeError((0, validate_1.expected)('[H, W] of positive integers', 'size', (0, validate_1.describe)(size)));
    }
    return (batch, ctx) => {
        const c = defaultCtx(ctx);
        if (!c.training)
            return batch;
        checkBatch(batch);
        const { n, c: ch, h, w } = imageLayout(batch.x, o.imageShape);
        const [oh, ow] = size ?? [h, w];
        if (oh > h + 2 * padding || ow > w + 2 * padding) {
            throw new RangeError((0, validate_1.expected)(`crop size at most [${h + 2 * padding}, ${w + 2 * padding}] (image plus padding)`, 'size', (0, validate_1.fmtShape)([oh, ow])));
        }
        const d = batch.x.data;
        const inSize = ch * h * w;
        const outSize = ch * oh * ow;
        const same = oh === h && ow === w;
        const out = same ? d : new Float32Array(n * outSize);
        const tmp = new Float32Array(inSize);
        for (let s = 0; s < n; s++) {
            const top = c.rng.int(h + 2 * padding - oh + 1);
            const left = c.rng.int(w + 2 * padding - ow + 1);
            tmp.set(d.subarray(s * inSize, (s + 1) * inSize));
            shiftInto(tmp, out.subarray(s * outSize, (s + 1) * outSize), ch, h, w, oh, ow, padding - top, padding - left, o.fill);
        }
        if (same)
            return batch;
        const s = batch.x.shape;
        const shape = s.length === 4 ? [n, ch, oh, ow] : s.length === 3 ? [n, oh, ow] : [n, outSize];
        return { ...batch, x: (0, tensor_api_1.fromArray)(out, shape) };
    };
}
function pixel(src, base, h, w, y, x, fill) {
    return y >= 0 && y < h && x >= 0 && x < w ? src[base + y * w + x] : fill;
}
/** Rotates each image by a random angle in [-maxDegrees, maxDegrees] about its center (bilinear). */
function randomRotation(maxDegrees, opts = {}) {
    (0, validate_1.assertFinite)(maxDegrees, 'maxDegrees');
    if (maxDegrees < 0 || maxDegrees > 180)
        throw new RangeError((0, validate_1.expected)('number in [0, 180]', 'maxDegrees', (0, validate_1.describe)(maxDegrees)));
    const o = checkImageOptions(opts);
    return (batch, ctx) => {
        const c = defaultCtx(ctx);
        if (!c.training || maxDegrees === 0)
            return batch;
        checkBatch(batch);
        const { n, c: ch, h, w } = imageLayout(batch.x, o.imageShape);
        const d = batch.x.data;
        const size = ch * h * w;
        const tmp = new Float32Array(size);
        const cy = (h - 1) / 2, cx = (w - 1) / 2;
        const fill = o.fill;
        for (let s = 0; s < n; s++) {
            const theta = ((c.rng.uniform() * 2 - 1) * maxDegrees * Math.PI) / 180;
            const cos = Math.cos(theta), sin = Math.sin(theta);
            const img = d.subarray(s * size, (s + 1) * size);
            tmp.set(img);
            for (let k = 0; k < ch; k++) {
                const base = k * h * w;
                for (let i = 0; i < h; i++) {
                    const dy = i - cy;
                    for (let j = 0; j < w; j++) {
                        // Inverse map: the source point that lands on (i, j).
                        const dx = j - cx;
                        const sy = cos * dy + sin * dx + cy;
                        const sx = -sin * dy + cos * dx + cx;
                        const y0 = Math.floor(sy), x0 = Math.floor(sx);
                        const fy = sy - y0, fx = sx - x0;
                        let a, b, c2, d2;
                        if (y0 >= 0 && x0 >= 0 && y0 + 1 < h && x0 + 1 < w) {
                            const o = base + y0 * w + x0;
                            a = tmp[o];
                            b = tmp[o + 1];
                            c2 = tmp[o + w];
                            d2 = tmp[o + w + 1];
                        }
                        else {
                            a = pixel(tmp, base, h, w, y0, x0, fill);
                            b = pixel(tmp, base, h, w, y0, x0 + 1, fill);
                            c2 = pixel(tmp, base, h, w, y0 + 1, x0, fill);
                            d2 = pixel(tmp, base, h, w, y0 + 1, x0 + 1, fill);
                        }
                        img[base + i * w + j] = (1 - fy) * ((1 - fx) * a + fx * b) + fy * ((1 - fx) * c2 + fx * d2);
                    }
                }
            }
        }
        return batch;
    };
}
/** Gamma(a, 1) by Marsaglia-Tsang. */
function gamma(rng, a) {
    if (a < 1)
        return gamma(rng, a + 1) * Math.pow(rng.uniform() || Number.MIN_VALUE, 1 / a);
    const d = a - 1 / 3, c = 1 / Math.sqrt(9 * d);
    for (;;) {
        const x = rng.normal();
        const v0 = 1 + c * x;
        if (v0 <= 0)
            continue;
        const v = v0 * v0 * v0;
        const u = rng.uniform();
        if (u < 1 - 0.0331 * x * x * x * x)
            return d * v;
        if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v)))
            return d * v;
    }
}
/** A Beta(a, b) sample. */
function sampleBeta(rng, a, b) {
    const x = gamma(rng, a);
    const y = gamma(rng, b);
    return x / (x + y);
}
/**
 * mixup (Zhang et al. 2018): x = lam * x + (1 - lam) * x[perm], same for y, with one
 * lam ~ Beta(alpha, alpha) per batch. y must be float targets (N, K) (e.g. one-hot) or int32
 * labels with { numClasses }, which become mixed one-hot targets (a new float32 tensor).
 */
function mixup(alpha = 0.2, opts = {}) {
    (0, validate_1.assertFinite)(alpha, 'alpha');
    if (alpha <= 0)
        throw new RangeError((0, validate_1.expected)('positive number', 'alpha', (0, validate_1.describe)(alpha)));
    (0, validate_1.assertPlainObject)(opts, 'options');
    if (opts.numClasses !== undefined)
        (0, validate_1.assertPositiveInteger)(opts.numClasses, 'numClasses');
    return (batch, ctx) => {
        const c = defaultCtx(ctx);
        if (!c.training)
            return batch;
        checkBatch(batch);
        if (!batch.y)
            throw new TypeError((0, validate_1.expected)('batch with targets y', 'batch.y', 'undefined'));
        const n = batch.x.shape[0];
        const lam = sampleBeta(c.rng, alpha, alpha);
        const perm = c.rng.permutation(n);
        mixRows(batch.x.data, n, perm, lam);
        let y = batch.y;
        if (y.dtype === 'int32') {
            const k = opts.numClasses;
            if (k === undefined)
                throw new TypeError((0, validate_1.expected)('numClasses option (y holds int32 labels)', 'numClasses', 'undefined'));
            const labels = y.data;
            const oh = new Float32Array(n * k);
            for (let i = 0; i < n; i++) {
                const l = labels[i];
                if (!(l >= 0 && l < k))
                    throw new RangeError((0, validate_1.expected)(`integer label in [0, ${k - 1}]`, `batch.y[${i}]`, (0, validate_1.describe)(l)));
                oh[i * k + l] = 1;
            }
            mixRows(oh, n, perm, lam);
            y = (0, tensor_api_1.fromArray)(oh, [n, k]);
        }
        else {
            mixRows(y.data, n, perm, lam);
        }
        return { ...batch, y };
    };
}
function mixRows(d, n, perm, lam) {
    const row = n > 0 ? d.length / n : 0;
    const src = d.slice();
    for (let i = 0; i < n; i++) {
        const a = i * row, b = perm[i] * row;
        for (let j = 0; j < row; j++)
            d[a + j] = lam * src[a + j] + (1 - lam) * src[b + j];
    }
}
/** Runs transforms in order. */
function compose(transforms) {
    if (!Array.isArray(transforms))
        (0, validate_1.typeError)('array of transforms', 'transforms', transforms);
    transforms.forEach((t, i) => (0, validate_1.assertFunction)(t, `transforms[${i}]`));
    const list = [...transforms];
    return (batch, ctx) => {
        let cur = batch;
        for (const t of list) {
            const next = t(cur, defaultCtx(ctx));
            // Free intermediates a transform replaced (never the caller's original batch tensors).
            if (cur !== batch) {
                if (cur.x !== next.x && cur.x !== batch.x)
                    cur.x.dispose();
                if (cur.y && cur.y !== next.y && cur.y !== batch.y)
                    cur.y.dispose();
            }
            cur = next;
        }
        return cur;
    };
}
