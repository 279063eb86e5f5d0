/** ng.io: model files (safetensors), PyTorch weights, checkpoints and ONNX export. */
export { save, load, loadWithInfo, loadStateDict, rawStateDict } from './model';
export { exportOnnx, onnxLayers, registerOnnxExport } from './onnx-layers';
export type { OnnxExportFn } from './onnx-layers';
export { fromTorchStateDict, torchKeyToNodegrad } from './pytorch';
export type { SaveOptions, LoadedModel } from './model';
export {
  readSafetensors, readSafetensorsSync, writeSafetensors, writeSafetensorsSync, encodeSafetensors, decodeSafetensors,
  readSafetensorsInfo, SafetensorsError,
} from './safetensors';
export type { RawTensor, SafetensorsContents } from './safetensors';
export { writeFileAtomic, writeFileAtomicSync } from './atomic';
export { encodeOnnx, writeOnnx } from './onnx';
export type { OnnxLayer } from './onnx';
export { writeCheckpoint, readCheckpoint } from './checkpoint';
export type { Checkpoint, CheckpointState } from './checkpoint';
