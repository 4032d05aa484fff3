/** Importers for user-supplied weight files (PyTorch, safetensors, Keras HDF5). */
export * from "./import_weights.ts";
export * from "./pickle.ts";
export * from "./torch_checkpoint.ts";
export * from "./safetensors.ts";
export * from "./keras_h5.ts";
export * from "./vgg19.ts";
export * from "./resnet50.ts";
export { WeightMismatchError } from "./_weight_table.ts";
export * from "./verify.ts";
