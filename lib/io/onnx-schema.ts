/**
 * The part of the ONNX protobuf schema (onnx/onnx.proto) that nodegrad writes, as plain
 * TypeScript types, and its encoder. Field numbers are those of onnx.proto; field names are
 * its names in camelCase, so these objects read like the official schema's generated classes.
 */
import { ProtoWriter } from './protobuf';

/** TensorProto.DataType values used here. */
export const ONNX_FLOAT = 1;
export const ONNX_INT64 = 7;
/** AttributeProto.AttributeType values used here. */
export const ATTR_FLOAT = 1;
export const ATTR_INT = 2;
export const ATTR_STRING = 3;
export const ATTR_INTS = 7;
export const ATTR_STRINGS = 8;

export interface OnnxAttribute {
  name: string;
  /** AttributeProto.AttributeType (1 FLOAT, 2 INT, 3 STRING, 7 INTS, 8 STRINGS). */
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  ints?: number[];
  strings?: Uint8Array[];
}

export interface OnnxNode {
  input: string[];
  output: string[];
  name: string;
  opType: string;
  attribute: OnnxAttribute[];
  domain: string;
}

export interface OnnxTensor {
  dims: number[];
  /** TensorProto.DataType (1 FLOAT, 7 INT64). */
  dataType: number;
  name: string;
  /** Little-endian element data. */
  rawData: Uint8Array;
}

/** A dimension: a fixed size, a named dynamic size, or unknown (neither). */
export interface OnnxDimension {
  dimValue?: number;
  dimParam?: string;
}

export interface OnnxValueInfo {
  name: string;
  type: { tensorType: { elemType: number; shape: { dim: OnnxDimension[] } } };
}

export interface OnnxGraph {
  node: OnnxNode[];
  name: string;
  initializer: OnnxTensor[];
  input: OnnxValueInfo[];
  output: OnnxValueInfo[];
}

export interface OnnxOperatorSetId {
  domain: string;
  version: number;
}

export interface OnnxModel {
  irVersion: number;
  producerName: string;
  producerVersion?: string;
  graph: OnnxGraph;
  opsetImport: OnnxOperatorSetId[];
}

// Each encoder writes the fields in field-number order (what protoc-generated encoders do).

function attribute(a: OnnxAttribute): ProtoWriter {
  const w = new ProtoWriter().string(1, a.name);                    // name = 1
  if (a.f !== undefined) w.float(2, a.f);                            // f = 2
  if (a.i !== undefined) w.int(3, a.i);                              // i = 3
  if (a.s !== undefined) w.bytes(4, a.s);                            // s = 4
  if (a.ints !== undefined) w.packedInts(8, a.ints);                 // ints = 8
  for (const s of a.strings ?? []) w.bytes(9, s);                    // strings = 9
  return w.int(20, a.type);                                          // type = 20
}

function node(n: OnnxNode): ProtoWriter {
  const w = new ProtoWriter();
  for (const s of n.input) w.string(1, s);                           // input = 1
  for (const s of n.output) w.string(2, s);                          // output = 2
  w.string(3, n.name).string(4, n.opType);                           // name = 3, op_type = 4
  for (const a of n.attribute) w.message(5, attribute(a));           // attribute = 5
  return w.string(7, n.domain);                                      // domain = 7
}

function tensor(t: OnnxTensor): ProtoWriter {
  return new ProtoWriter()
    .packedInts(1, t.dims)                                           // dims = 1
    .int(2, t.dataType)                                              // data_type = 2
    .string(8, t.name)                                               // name = 8
    .bytes(9, t.rawData);                                            // raw_data = 9
}

function valueInfo(v: OnnxValueInfo): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of v.type.tensorType.shape.dim) {                     // TensorShapeProto.dim = 1
    const dim = new ProtoWriter();
    if (d.dimValue !== undefined) dim.int(1, d.dimValue);            // dim_value = 1
    if (d.dimParam !== undefined) dim.string(2, d.dimParam);         // dim_param = 2
    shape.message(1, dim);
  }
  const tensorType = new ProtoWriter().int(1, v.type.tensorType.elemType).message(2, shape); // elem_type = 1, shape = 2
  return new ProtoWriter()
    .string(1, v.name)                                               // name = 1
    .message(2, new ProtoWriter().message(1, tensorType));           // type = 2 { tensor_type = 1 }
}

function graph(g: OnnxGraph): ProtoWriter {
  const w = new ProtoWriter();
  for (const n of g.node) w.message(1, node(n));                     // node = 1
  w.string(2, g.name);                                               // name = 2
  for (const t of g.initializer) w.message(5, tensor(t));            // initializer = 5
  for (const v of g.input) w.message(11, valueInfo(v));              // input = 11
  for (const v of g.output) w.message(12, valueInfo(v));             // output = 12
  return w;
}

/** Encodes a ModelProto. */
export function encodeModelProto(m: OnnxModel): Uint8Array {
  const w = new ProtoWriter().int(1, m.irVersion).string(2, m.producerName); // ir_version = 1, producer_name = 2
  if (m.producerVersion !== undefined) w.string(3, m.producerVersion);        // producer_version = 3
  w.message(7, graph(m.graph));                                                // graph = 7
  for (const o of m.opsetImport) w.message(8, new ProtoWriter().string(1, o.domain).int(2, o.version)); // opset_import = 8
  return w.finish();
}
