/**
 * The npm packages the weight importers use, in one place (versions pinned in deno.json): fflate (zip container of torch checkpoints) and jsfive (pure-JS HDF5
 * reader for Keras .h5 files). Both run unchanged in browsers and Deno.
 */
export { unzipSync, zipSync } from "fflate";
export * as jsfive from "jsfive";
